"""What every Monev handler needs (settings, the gateway client, sign-in, cookies, templates)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request

from monev.auth import SignIn, User
from monev.auth.local import LocalSignIn
from monev.auth.session import CookieJar, fernet_for
from monev.gateway import GatewayClient
from monev.pages.audit import Verifications
from monev.render import Renderer
from monev.settings import MonevSettings


class NeedSignIn(Exception):
    pass


class Monev:
    """What every handler needs: settings, the gateway client, sign-in, cookies, templates."""

    def __init__(self, settings: MonevSettings) -> None:
        self.settings = settings
        secret = settings.session_secret.get_secret_value() or secrets.token_urlsafe(48)
        self.cookies = CookieJar(
            fernet_for(secret), secure=settings.secure_cookies, max_age_s=settings.session_max_age_s
        )
        self.gateway = GatewayClient(settings.gateway_url, timeout_s=settings.gateway_timeout_s)
        self.render = Renderer()
        self.signin: SignIn = self._signin()
        self.verifications = Verifications()

    def check_origin(self, request: Request) -> None:
        if not origin_ok(request, self.settings.public_url):
            raise HTTPException(403, "origin")

    def _signin(self) -> SignIn:
        s = self.settings
        if s.auth == "oidc":
            from monev.auth.oidc import OidcSignIn

            return OidcSignIn(s, self.cookies, self.render.page)
        return LocalSignIn(
            s.dev_credentials, session_s=s.session_max_age_s, render=self.render.page
        )

    def user(self, request: Request) -> User:
        user = self.cookies.user(request)
        if user is None:
            raise NeedSignIn()
        request.scope.setdefault("state", {})["user"] = user
        return user

    def opd_scope(self, user: User) -> str | None:
        """Integrators see their own OPD; auditors and operators every OPD."""
        return user.opd if user.role == "integrator" else None

    async def ask(self, user: User, document: str, name: str, **variables: Any) -> dict[str, Any]:
        return await self.gateway.query(document, variables, token=user.token, name=name)

    def now(self) -> datetime:
        return datetime.now(UTC)


def origin_ok(request: Request, public_url: str) -> bool:
    """Unsafe methods must come from Monev's own pages (with SameSite=Lax, defence in depth)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    mine = urlsplit(public_url)
    here = f"{request.url.scheme}://{request.url.netloc}"
    return origin in (f"{mine.scheme}://{mine.netloc}", here)
