"""``RUMAH_GATEWAY_TOKENS``: static bearer tokens → principals, as JSON text or a file's path.

    {"<token>": {"role": "auditor", "scopes": ["ledger:read", …]},
     "<token2>": {"role": "integrator", "opd": "DPMPTSP", "name": "licensing-app",
                  "scopes": ["licensing:read"]},
     "<token3>": "operator"}

Kept for local use (``rumah run`` writes such a map from ``var/dev-credentials.json``) and
small installations; OpenID Connect (``gateway/auth/jwt.py``) is the provider for real
users. Errors name the entry by position, never the token.
"""

from __future__ import annotations

import json
from typing import Any

from gateway.auth.authenticator import StaticTokenAuthenticator
from gateway.auth.principal import ROLES, Principal
from rumah.common.secret_settings import SecretSettingError, read_secret_setting


class AccessConfigError(SecretSettingError):
    """An access setting is unreadable or malformed (the message never shows a secret)."""


TokenConfigError = AccessConfigError


def authenticator_from_setting(raw: str) -> StaticTokenAuthenticator | None:
    """The token authenticator, or None when no tokens are configured."""
    if not raw.strip():
        return None
    tokens = parse_tokens(raw)
    if not tokens:
        raise AccessConfigError("RUMAH_GATEWAY_TOKENS holds no tokens; leave it unset instead")
    return StaticTokenAuthenticator(tokens)


def parse_tokens(raw: str) -> dict[str, Principal]:
    """Tokens from JSON text (starting with ``{``) or from the JSON file ``raw`` names."""
    text, source = read_secret_setting(raw, "RUMAH_GATEWAY_TOKENS")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AccessConfigError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise AccessConfigError(f"{source} must be a JSON object mapping tokens to principals")
    tokens: dict[str, Principal] = {}
    for position, (token, entry) in enumerate(data.items(), start=1):
        where = f"{source}: entry {position}"
        if not token or any(c.isspace() for c in token):
            raise AccessConfigError(f"{where}: a token must be non-empty and contain no whitespace")
        tokens[token] = _principal(entry, where, position)
    return tokens


def _principal(entry: Any, where: str, position: int) -> Principal:
    if isinstance(entry, str):
        entry = {"role": entry}
    if not isinstance(entry, dict):
        raise AccessConfigError(f'{where}: expected {{"role": …}} or a role name')
    unknown = set(entry) - {"role", "opd", "name", "scopes"}
    if unknown:
        raise AccessConfigError(f"{where}: unknown keys {sorted(unknown)}")
    role = entry.get("role")
    if role not in ROLES:
        raise AccessConfigError(f"{where}: role must be one of {sorted(ROLES)}, got {role!r}")
    opd = entry.get("opd")
    if opd is not None and not (
        isinstance(opd, str) and opd.strip() and opd.isascii() and opd.isprintable()
    ):
        raise AccessConfigError(f"{where}: opd must be a non-empty printable ASCII string")
    if role == "integrator" and opd is None:
        raise AccessConfigError(f"{where}: an integrator token needs an opd")
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        raise AccessConfigError(f"{where}: name must be a string")
    scopes = entry.get("scopes", [])
    if not isinstance(scopes, list) or not all(
        isinstance(s, str) and s and not any(c.isspace() for c in s) for s in scopes
    ):
        raise AccessConfigError(f"{where}: scopes must be a list of scope names")
    return Principal(
        subject=name or f"static-token-{position}",
        roles=frozenset({role}),
        scopes=frozenset(scopes),
        opd=opd,
        name=name,
    )
