"""The session cookie: the signed-in user, encrypted and authenticated (Fernet: AES-128-CBC +
HMAC-SHA256), HttpOnly, SameSite=Lax, Secure on https, with a hard expiry.

Tokens travel in it (never in a readable form) so any Monev replica sharing the key can serve
any request; nothing is kept server-side.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import Request
from starlette.responses import Response

from monev.auth import User

SESSION_COOKIE = "monev_session"


def fernet_for(secret: str) -> Fernet:
    """A Fernet key derived from the configured secret (any length ≥ 32)."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


class CookieJar:
    """Encrypts small JSON values into cookies and reads them back (None when forged,
    expired or unreadable)."""

    def __init__(self, fernet: Fernet, *, secure: bool, max_age_s: int) -> None:
        self._fernet, self.secure, self.max_age_s = fernet, secure, max_age_s

    def seal(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(orjson.dumps(value)).decode()

    def open(self, text: str | None, *, ttl_s: int | None = None) -> dict[str, Any] | None:
        if not text:
            return None
        try:
            value = orjson.loads(self._fernet.decrypt(text.encode(), ttl=ttl_s or self.max_age_s))
        except (InvalidToken, orjson.JSONDecodeError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def set(self, response: Response, name: str, value: dict[str, Any], max_age: int) -> None:
        response.set_cookie(
            name,
            self.seal(value),
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def drop(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="lax")

    # the session itself

    def save_user(self, response: Response, user: User) -> None:
        age = max(60, min(self.max_age_s, int(user.expires_at - time.time())))
        value = {
            "n": user.name,
            "r": user.role,
            "o": user.opd,
            "t": user.token,
            "e": user.expires_at,
        }
        self.set(response, SESSION_COOKIE, value, age)

    def user(self, request: Request) -> User | None:
        value = self.open(request.cookies.get(SESSION_COOKIE))
        if value is None:
            return None
        try:
            user = User(
                str(value["n"]), str(value["r"]), value.get("o"), str(value["t"]), float(value["e"])
            )
        except (KeyError, TypeError, ValueError):
            return None
        return user if user.expires_at > time.time() else None
