"""The gateway's access layer: who is calling and what subgraphs are told.

Identity providers implement ``Authenticator`` (the static token map in ``tokens``, OpenID
Connect in ``jwt``); ``AccessGate`` decides on the ``Authorization`` of a parsed HTTP request
(the endpoint executes that same parsed request) and the WebSocket endpoint on the
``connection_init`` payload. Subgraphs learn the principal only from a short-lived JWT the
gateway signs for each of them (``subgraph_credentials``); principal headers sent by
clients are stripped.
"""

from gateway.auth import native

# before any module it may load compiled is imported (gateway/auth/native.py)
native.install()

from gateway.auth.authenticator import Authenticator, StaticTokenAuthenticator  # noqa: E402
from gateway.auth.credentials import bearer_token, token_from_init_payload  # noqa: E402
from gateway.auth.forwarding import PRINCIPAL_HEADERS  # noqa: E402
from gateway.auth.gate import AccessGate, Denial  # noqa: E402
from gateway.auth.principal import ROLES, Principal, Role  # noqa: E402
from gateway.auth.tokens import (  # noqa: E402
    AccessConfigError,
    TokenConfigError,
    authenticator_from_setting,
    parse_tokens,
)

__all__ = [
    "PRINCIPAL_HEADERS",
    "ROLES",
    "AccessConfigError",
    "AccessGate",
    "Authenticator",
    "Denial",
    "Principal",
    "Role",
    "StaticTokenAuthenticator",
    "TokenConfigError",
    "authenticator_from_setting",
    "bearer_token",
    "parse_tokens",
    "token_from_init_payload",
]
