"""Monev's ASGI app: routes, sign-in, and the wiring (``create_app`` is the one place)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import quote, urlsplit

import aiohttp
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from monev.auth import SignInFailed
from monev.core import Monev, NeedSignIn, origin_ok
from monev.gateway import GatewayError, Unauthenticated
from monev.i18n import LANG_COOKIE, LANGS
from monev.render import ASSET_MOUNT, HERE
from monev.safe import safe_next
from monev.security import SecurityHeadersMiddleware
from monev.settings import MonevSettings
from monev.timing import QueryCountMiddleware
from rumah.common.settings import load_settings
from rumah.common.webassets import missing as assets_missing
from rumah.common.webassets.asgi import AssetApp

log = logging.getLogger("monev")


def _idp_origins(settings: MonevSettings) -> tuple[str, ...]:
    """Sign-out posts a form that redirects to the identity provider: allow its origin."""
    if settings.auth != "oidc":
        return ()
    parts = urlsplit(settings.oidc_discovery_url)
    return (f"{parts.scheme}://{parts.netloc}",)


def create_app(settings: MonevSettings | None = None) -> Starlette:
    settings = settings or load_settings(MonevSettings)
    monev = Monev(settings)
    from monev import routes

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if gone := assets_missing():
            log.warning("monev.assets_missing", extra={"files": gone, "fix": "make install"})
        async with monev.gateway:
            yield

    async def need_signin(request: Request, exc: Exception) -> Response:
        if request.headers.get("hx-request") or request.url.path.endswith("/langsung"):
            return PlainTextResponse("sign in again", status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/masuk?next={quote(target, safe='')}", status_code=303)

    async def gateway_refused(request: Request, exc: Exception) -> Response:
        response = await need_signin(request, exc)
        monev.cookies.drop(response, "monev_session")
        return response

    async def gateway_down(request: Request, exc: Exception) -> Response:
        return monev.render.page(
            request, "error.html", status=502, title_key="gateway_down", detail=str(exc)
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        key = {404: "not_found", 403: "forbidden"}.get(exc.status_code, "error_title")
        return monev.render.page(
            request, "error.html", status=exc.status_code, title_key=key, detail=exc.detail
        )

    async def signin_page(request: Request) -> Response:
        return await monev.signin.start(request, safe_next(request.query_params.get("next")))

    async def signin_finish(request: Request) -> Response:
        if request.method == "POST" and not origin_ok(request, settings.public_url):
            raise HTTPException(403, "origin")
        try:
            user, next_url = await monev.signin.finish(request)
        except SignInFailed as exc:
            return monev.render.page(
                request, "error.html", status=400, title_key="signin_failed", detail=str(exc)
            )
        response = RedirectResponse(next_url, status_code=303)
        monev.cookies.save_user(response, user)
        monev.cookies.drop(response, "monev_oidc")
        return response

    async def signout(request: Request) -> Response:
        if not origin_ok(request, settings.public_url):
            raise HTTPException(403, "origin")
        target = monev.signin.logout_url(request) or "/masuk"
        response = RedirectResponse(target, status_code=303)
        monev.cookies.drop(response, "monev_session")
        return response

    async def language(request: Request) -> Response:
        lang = request.path_params["lang"]
        response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        if lang in LANGS:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                max_age=365 * 86400,
                path="/",
                samesite="lax",
                secure=settings.secure_cookies,
            )
        return response

    async def live(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> Response:
        url = settings.gateway_url.rsplit("/", 1)[0] + "/health"
        try:
            async with monev.gateway.session.get(url) as resp:
                up = resp.status == 200
        except (aiohttp.ClientError, TimeoutError, RuntimeError):
            up = False
        body = {"status": "ok" if up else "unavailable", "gateway": "up" if up else "down"}
        return JSONResponse(body, status_code=200 if up else 503)

    async def home(request: Request) -> Response:
        return RedirectResponse("/ringkasan", status_code=303)

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/health/live", live),
            Route("/health/ready", ready),
            Route("/masuk", signin_page, methods=["GET"]),
            Route("/masuk", signin_finish, methods=["POST"]),
            Route("/masuk/callback", signin_finish, methods=["GET"]),
            Route("/keluar", signout, methods=["POST"]),
            Route("/bahasa/{lang}", language),
            *routes.page_routes(monev),
            Mount(ASSET_MOUNT, app=AssetApp(ASSET_MOUNT)),
            Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeadersMiddleware, form_action=_idp_origins(settings)),
            Middleware(QueryCountMiddleware),
        ],
        exception_handlers={
            NeedSignIn: need_signin,
            Unauthenticated: gateway_refused,
            GatewayError: gateway_down,
            HTTPException: http_error,
        },
        lifespan=lifespan,
    )
    app.state.monev = monev
    return app
