"""The pages, each at a stable URL (Indonesian paths), and their CSV downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from monev import live
from monev.i18n import translator
from monev.pages import overview
from monev.render import lang_of
from monev.tables import Table, csv_response, pick

if TYPE_CHECKING:
    from monev.app import Monev


def overview_table(rows: list[overview.Row], t: Any) -> Table:
    table = Table("ringkasan", [
        ("id", "id"), ("app", t("col_app")), ("opd", t("col_opd")), ("stage", t("col_stage")),
        ("state", t("col_state")), ("uptime", t("col_uptime")), ("service", "service"),
        ("reachable", "upstreamReachable"), ("last_sync", t("last_sync")),
        ("quarantined", t("quarantined")), ("readiness", t("col_ready")),
        ("position", t("col_owner")), ("holder", "holder"),
    ])  # fmt: skip
    for r in rows:
        table.rows.append({
            "id": r.id, "app": r.name, "opd": r.opd, "stage": t(f"stage_{r.stage.lower()}"),
            "state": t(overview.SEVERITY_KEY[r.severity]), "uptime": t(r.uptime),
            "service": r.service, "reachable": r.reachable,
            "last_sync": r.last_sync.isoformat() if r.last_sync else None,
            "quarantined": r.quarantined,
            "readiness": " ".join(f"{d}={v}" for d, v in (r.readiness or {}).items()),
            "position": r.owner_position, "holder": r.holder or t("vacant"),
        })  # fmt: skip
    return table


def page_routes(monev: Monev) -> list[Route]:
    settings = monev.settings

    async def load_overview(request: Request) -> list[overview.Row]:
        user = monev.user(request)
        data = await monev.ask(user, overview.QUERY, "Ringkasan", opd=monev.opd_scope(user))
        return overview.rows_from(data, stale_after_s=settings.stale_after_s, now=monev.now())

    async def overview_page(request: Request) -> Response:
        rows = await load_overview(request)
        t = translator(lang_of(request))
        table = overview_table(rows, t)
        if pick([table], request.query_params.get("csv")):
            return csv_response(table)
        return monev.render.page(
            request, "overview.html", rows=rows, counts=overview.counts(rows), now=monev.now(),
            queries=[overview.QUERY], live=monev.user(request).role != "operator",
            stale_after_s=settings.stale_after_s,
        )  # fmt: skip

    async def overview_stream(request: Request) -> Response:
        user = monev.user(request)
        previous: dict[str, str] = {}

        async def render(change: dict[str, Any] | None) -> tuple[str, str]:
            rows = await load_overview(request)
            now = monev.now()
            html = []
            for row in rows:
                plain = monev.render.fragment(request, "_overview_row.html", row=row, now=now,
                                              changed=False)  # fmt: skip
                changed = bool(previous) and previous.get(row.id) != plain
                previous[row.id] = plain
                html.append(
                    monev.render.fragment(request, "_overview_row.html", row=row, now=now,
                                          changed=True) if changed else plain  # fmt: skip
                )
            status = monev.render.fragment(request, "_overview_status.html", change=change,
                                           now=now, counts=overview.counts(rows))  # fmt: skip
            return "".join(html), status

        body = live.stream(render, monev.gateway, user.token,
                           interval_s=settings.refresh_interval_s,
                           follow=user.role != "operator")  # fmt: skip
        return StreamingResponse(body, media_type="text/event-stream",
                                 headers={"cache-control": "no-cache",
                                          "x-accel-buffering": "no"})  # fmt: skip

    return [
        Route("/ringkasan", overview_page),
        Route("/ringkasan/langsung", overview_stream),
    ]
