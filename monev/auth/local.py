"""Local sign-in for ``make run``: pick a role; its token comes from the dev credentials file
``rumah run`` writes (``{"tokens": {"auditor": "…", "operator": "…", "integrator": "…"}}``,
optionally ``"opds": {"integrator": "DPMPTSP"}``)."""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from monev.auth import ROLES, SignInFailed, User
from monev.safe import safe_next

DEFAULT_INTEGRATOR_OPD = "DPMPTSP"


def read_credentials(path: Path) -> dict[str, Any]:
    """The file's content; ``SignInFailed`` naming what is wrong (never a token)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SignInFailed(f"{path} tidak ada: jalankan `make run`") from exc
    except (OSError, ValueError) as exc:
        raise SignInFailed(f"{path} tidak dapat dibaca sebagai JSON") from exc
    tokens = raw.get("tokens") if isinstance(raw, dict) else None
    if not isinstance(tokens, dict) or not all(isinstance(v, str) for v in tokens.values()):
        raise SignInFailed(f'{path}: "tokens" harus berupa objek peran → token')
    return raw


def ensure_credentials(path: Path) -> dict[str, Any]:
    """Create the dev credentials file when missing (random tokens, mode 0600); read it.

    Until ``rumah run`` writes it (the access work), the dev setup and the tests call this."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        content = {
            "tokens": {role: secrets.token_urlsafe(32) for role in ROLES},
            "opds": {"integrator": DEFAULT_INTEGRATOR_OPD},
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(content, out, indent=2)
    return read_credentials(path)


def gateway_tokens(credentials: dict[str, Any]) -> dict[str, Any]:
    """The same tokens in ``RUMAH_GATEWAY_TOKENS`` form, integrators with their OPD. The
    gateway serves a token only what its scopes allow: the hub that trusts these adds each
    role's scopes (``rumah.freehub.with_role_scopes``; Monev knows no scope catalogue)."""
    opds = credentials.get("opds") or {}
    out: dict[str, Any] = {}
    for role, token in credentials["tokens"].items():
        entry: dict[str, Any] = {"role": role, "name": f"monev-dev-{role}"}
        if role == "integrator":
            entry["opd"] = opds.get(role, DEFAULT_INTEGRATOR_OPD)
        out[token] = entry
    return out


class LocalSignIn:
    name = "local"

    def __init__(self, path: Path, *, session_s: int, render: Any) -> None:
        self.path, self.session_s, self._render = path, session_s, render

    def roles(self) -> list[str]:
        tokens = read_credentials(self.path)["tokens"]
        return [r for r in ROLES if r in tokens]

    async def start(self, request: Request, next_url: str) -> Response:
        try:
            roles, problem = self.roles(), None
        except SignInFailed as exc:
            roles, problem = [], str(exc)
        return self._render(
            request, "signin_local.html", roles=roles, problem=problem, next_url=safe_next(next_url)
        )

    async def finish(self, request: Request) -> tuple[User, str]:
        form = await request.form()
        role = str(form.get("role", ""))
        creds = read_credentials(self.path)
        token = creds["tokens"].get(role)
        if role not in ROLES or not token:
            raise SignInFailed("peran tidak dikenal")
        opd = (creds.get("opds") or {}).get(role) if role == "integrator" else None
        if role == "integrator" and not opd:
            opd = DEFAULT_INTEGRATOR_OPD
        user = User(f"{role.capitalize()} (lokal)", role, opd, token, time.time() + self.session_s)
        return user, safe_next(str(form.get("next", "/")))

    def logout_url(self, request: Request) -> str | None:
        return None
