"""The gateway's access layer: who is calling and what subgraphs are told.

Identity providers implement ``Authenticator`` (the static token map in ``tokens``, OpenID
Connect in ``jwt``); ``AccessGate`` decides on the ``Authorization`` of a parsed HTTP request
(the endpoint executes that same parsed request) and the WebSocket endpoint on the
``connection_init`` payload. Subgraphs learn the principal only from a short-lived JWT the
gateway signs for each of them (``subgraph_credentials``); principal headers sent by
clients are stripped.
"""

from gateway.auth.authenticator import Authenticator, StaticTokenAuthenticator
from gateway.auth.credentials import bearer_token, token_from_init_payload
from gateway.auth.forwarding import PRINCIPAL_HEADERS
from gateway.auth.gate import AccessGate, Denial
from gateway.auth.principal import ROLES, Principal, Role
from gateway.auth.tokens import (
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
