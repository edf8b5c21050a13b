"""``var/dev-credentials.json``: the local credentials ``rumah run`` makes on first start.

One bearer token per role (auditor, operator, and an integrator of one OPD), a webhook
secret per OPD application, the gateway's key for signing subgraph credentials and the
subgraphs' page-cursor key; written
once with mode 0600 and reused on every later start. For a laptop only: a deployment takes
its secrets from its secret store (docs/access.md).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rumah.common.keys import new_signing_key
from services.kit.cursors import new_cursor_key
from services.kit.scopes import ROLE_SCOPES, SERVICES

INTEGRATOR_OPD = "DPMPTSP"  # the licensing office: the dev integrator reads its records
NOTE = "Local development credentials written by `rumah run`. Never use them in production."


@dataclass(frozen=True)
class DevCredentials:
    path: Path
    data: dict[str, Any]

    @property
    def tokens(self) -> dict[str, str]:
        tokens: dict[str, str] = self.data["tokens"]
        return tokens

    def gateway_token_map(self) -> str:
        """``RUMAH_GATEWAY_TOKENS`` for the gateway: token → principal."""
        principals = self.data["principals"]
        return json.dumps({token: principals[role] for role, token in self.tokens.items()})

    def webhook_secret(self, service: str) -> str:
        secret: str = self.data["webhook_secrets"][service]
        return secret

    @property
    def signing_key(self) -> str:
        key: str = self.data["gateway_signing_key"]["private"]
        return key

    @property
    def public_key(self) -> str:
        key: str = self.data["gateway_signing_key"]["public"]
        return key

    @property
    def cursor_key(self) -> str | None:
        """``RUMAH_SUBGRAPH_CURSOR_KEY`` (files written before it existed have none)."""
        key: str | None = self.data.get("subgraph_cursor_key")
        return key


def new_credentials() -> dict[str, Any]:
    """A fresh set (also what `make compose-secrets` writes, rumah/compose_secrets.py)."""
    private, public = new_signing_key()
    principals = {
        role: {"role": role, "name": f"dev-{role}", "scopes": sorted(ROLE_SCOPES[role])}
        for role in ("auditor", "operator", "integrator")
    }
    principals["integrator"]["opd"] = INTEGRATOR_OPD
    return {
        "note": NOTE,
        "tokens": {role: "dev-" + secrets.token_urlsafe(32) for role in principals},
        "principals": principals,
        "webhook_secrets": {
            name: "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode() for name in SERVICES
        },
        "gateway_signing_key": {"private": private, "public": public},
        "subgraph_cursor_key": new_cursor_key(),
    }


def ensure_dev_credentials(path: Path) -> tuple[DevCredentials, bool]:
    """The credentials at ``path``, written first if there are none; ``(creds, created)``."""
    created = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(new_credentials(), indent=2) + "\n"
        try:
            # O_EXCL: two starts at once do not overwrite each other's file
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            created = True
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)  # readable by others: tighten, the secrets are for us only
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = {"tokens", "principals", "webhook_secrets", "gateway_signing_key"} - set(data)
    if missing:
        raise ValueError(
            f"{path} lacks {sorted(missing)}: delete it and `rumah run` writes a new one"
        )
    return DevCredentials(path, data), created
