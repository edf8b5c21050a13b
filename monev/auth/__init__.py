"""Sign-in behind one small interface, with two providers.

``SignIn`` is what the routes call: ``start`` (the sign-in page or a redirect to the identity
provider), ``finish`` (the form post or the provider's callback → a ``User``) and
``logout_url``. ``LocalSignIn`` uses the dev credentials ``rumah run`` writes (no setup);
``OidcSignIn`` runs the authorization-code flow with PKCE against a discovery URL. Either way
the signed-in user's bearer token is forwarded to the gateway, so what a person sees follows
their role and OPD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

ROLES = ("auditor", "operator", "integrator")


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str  # auditor | operator | integrator
    opd: str | None
    token: str  # the bearer token forwarded to the gateway
    expires_at: float  # epoch seconds


class SignInFailed(Exception):
    """The sign-in could not complete; the message is safe to show."""


class SignIn(Protocol):
    name: str

    async def start(self, request: Request, next_url: str) -> Response:
        """The sign-in page, or a redirect to the identity provider."""
        ...

    async def finish(self, request: Request) -> tuple[User, str]:
        """The signed-in user and where to go next; ``SignInFailed`` otherwise."""
        ...

    def logout_url(self, request: Request) -> str | None:
        """Where to send the browser after the session is dropped (the IdP's end-session)."""
        ...
