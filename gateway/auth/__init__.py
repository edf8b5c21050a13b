"""The gateway's access layer: who is calling (``Authenticator``) and what subgraphs are told.

``authenticator_from_setting`` builds the static bearer-token authenticator from
``RUMAH_GATEWAY_TOKENS`` (None when no tokens are configured: the gateway is open).
``AccessGate`` decides on the ``Authorization`` of a parsed HTTP request (the endpoint
executes that same parsed request); the WebSocket endpoint authenticates the
``connection_init`` payload with the same ``Authenticator``. Subgraphs learn the principal
from ``X-Rumah-Role`` / ``X-Rumah-Opd`` (HTTP) or ``rumahRole`` / ``rumahOpd`` (WebSocket
``connection_init``); the same headers sent by clients are always stripped.
"""

from gateway.auth.authenticator import Authenticator, StaticTokenAuthenticator
from gateway.auth.credentials import bearer_token, token_from_init_payload
from gateway.auth.forwarding import (
    OPD_HEADER,
    PRINCIPAL_HEADERS,
    ROLE_HEADER,
    principal_headers,
    principal_payload,
)
from gateway.auth.gate import AccessGate, Denial
from gateway.auth.principal import ROLES, Principal, Role
from gateway.auth.tokens import TokenConfigError, authenticator_from_setting, parse_tokens

__all__ = [
    "OPD_HEADER",
    "PRINCIPAL_HEADERS",
    "ROLES",
    "ROLE_HEADER",
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
    "principal_headers",
    "principal_payload",
    "token_from_init_payload",
]
