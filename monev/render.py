"""Templates, and the context every page shares (language, user, navigation, query log)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from monev.gateway import QueryLog
from monev.i18n import LANG_COOKIE, LANGS, translator
from rumah.common.webassets.asgi import asset_url

HERE = Path(__file__).resolve().parent
ASSET_MOUNT = "/_aset"

NAV = (
    ("/ringkasan", "nav_overview"),
    ("/anggaran", "nav_budget"),
    ("/layanan", "nav_services"),
    ("/kesinambungan", "nav_continuity"),
    ("/manfaat-anggaran", "nav_benefit"),
    ("/jejak-audit", "nav_audit"),
    ("/laporan", "nav_report"),
)


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "id")
    return lang if lang in LANGS else "id"


def rupiah(value: Any) -> str:
    """``Rp 1.234.567`` (Indonesian grouping)."""
    try:
        amount = int(round(float(value)))
    except (TypeError, ValueError):
        return "—"
    return "Rp " + f"{amount:,}".replace(",", ".")


def number(value: Any) -> str:
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return "—"


def percent(value: Any) -> str:
    try:
        return f"{float(value):.1f}".replace(".", ",") + " %"
    except (TypeError, ValueError):
        return "—"


def when(value: datetime | str | None) -> str:
    """WIB wall time, ``dd-mm-yyyy HH:MM``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    from datetime import timedelta, timezone

    wib = value.astimezone(timezone(timedelta(hours=7)))
    return wib.strftime("%d-%m-%Y %H:%M") + " WIB"


def epoch_when(value: float | None) -> str:
    return when(datetime.fromtimestamp(value, UTC)) if value else "—"


def date_id(value: str | None) -> str:
    if not value:
        return "—"
    y, m, d = value[:10].split("-")
    return f"{d}-{m}-{y}"


def with_params(request: Request, **changes: str) -> str:
    """``?…`` of this request's query with ``changes`` replacing their keys."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    return "?" + urlencode([*kept, *changes.items()])


class Renderer:
    def __init__(self) -> None:
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.filters.update(
            rupiah=rupiah,
            number=number,
            percent=percent,
            when=when,
            date_id=date_id,
            epoch_when=epoch_when,
        )
        env.globals["asset"] = lambda name: asset_url(ASSET_MOUNT, name)
        env.globals["NAV"] = NAV

    def context(self, request: Request, **values: Any) -> dict[str, Any]:
        lang = lang_of(request)
        qlog: QueryLog | None = request.scope.get("state", {}).get("query_log")
        return {
            "request": request,
            "lang": lang,
            "t": translator(lang),
            "tt": (lambda id_, en: en) if lang == "en" else (lambda id_, en: id_),
            "user": request.scope.get("state", {}).get("user"),
            "query_log": qlog,
            "path": request.url.path,
            "csv_href": lambda name: with_params(request, csv=name),
            "with_params": lambda **changes: with_params(request, **changes),
            **values,
        }

    def page(
        self, request: Request, template: str, status: int = 200, **values: Any
    ) -> HTMLResponse:
        return self.templates.TemplateResponse(
            request, template, self.context(request, **values), status_code=status
        )

    def fragment(self, request: Request, template: str, **values: Any) -> str:
        return self.templates.get_template(template).render(self.context(request, **values))
