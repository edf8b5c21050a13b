"""``RUMAH_GATEWAY_TOKENS``: bearer tokens → principals, as JSON text or a JSON file's path.

    {"<token>": {"role": "auditor"},
     "<token2>": {"role": "integrator", "opd": "licensing", "name": "licensing-app"},
     "<token3>": "operator"}

Errors name the entry by position, never the token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from gateway.auth.authenticator import StaticTokenAuthenticator
from gateway.auth.principal import ROLES, Principal, Role


class TokenConfigError(ValueError):
    """``RUMAH_GATEWAY_TOKENS`` is unreadable or malformed (the message never shows a token)."""


def authenticator_from_setting(raw: str) -> StaticTokenAuthenticator | None:
    """The token authenticator, or None when no tokens are configured (an open gateway)."""
    if not raw.strip():
        return None
    tokens = parse_tokens(raw)
    if not tokens:
        raise TokenConfigError(
            "RUMAH_GATEWAY_TOKENS holds no tokens; leave it unset to run an open gateway"
        )
    return StaticTokenAuthenticator(tokens)


def parse_tokens(raw: str) -> dict[str, Principal]:
    """Tokens from JSON text (starting with ``{``) or from the JSON file ``raw`` names."""
    text = raw.strip()
    source = "RUMAH_GATEWAY_TOKENS"
    if not text.startswith(("{", "[")):
        path = Path(text).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            # no path in the message: a token pasted here by mistake must not reach the logs
            raise TokenConfigError(
                f"RUMAH_GATEWAY_TOKENS: cannot read the token file it names: {exc.strerror or exc}"
            ) from None
        source = "RUMAH_GATEWAY_TOKENS (token file)"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TokenConfigError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise TokenConfigError(f"{source} must be a JSON object mapping tokens to principals")
    tokens: dict[str, Principal] = {}
    for position, (token, entry) in enumerate(data.items(), start=1):
        where = f"{source}: entry {position}"
        if not token or any(c.isspace() for c in token):
            raise TokenConfigError(f"{where}: a token must be non-empty and contain no whitespace")
        tokens[token] = _principal(entry, where)
    return tokens


def _principal(entry: Any, where: str) -> Principal:
    if isinstance(entry, str):
        entry = {"role": entry}
    if not isinstance(entry, dict):
        raise TokenConfigError(f'{where}: expected {{"role": …}} or a role name')
    unknown = set(entry) - {"role", "opd", "name"}
    if unknown:
        raise TokenConfigError(f"{where}: unknown keys {sorted(unknown)}")
    role = entry.get("role")
    if role not in ROLES:
        raise TokenConfigError(f"{where}: role must be one of {sorted(ROLES)}, got {role!r}")
    opd = entry.get("opd")
    if opd is not None and not (
        isinstance(opd, str) and opd.strip() and opd.isascii() and opd.isprintable()
    ):
        # it travels as an HTTP header value
        raise TokenConfigError(f"{where}: opd must be a non-empty printable ASCII string")
    if role == "integrator" and opd is None:
        raise TokenConfigError(f"{where}: an integrator token needs an opd")
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        raise TokenConfigError(f"{where}: name must be a string")
    return Principal(cast(Role, role), opd, name)
