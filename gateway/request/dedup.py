"""Inbound request de-duplication: identical concurrent queries share one execution.

Two requests are *identical* when everything that can change their answer is equal — that
is what ``request_key`` puts in the key:

* the prepared operation (one object per document + operation name + active
  progressive-override labels, in the loaded supergraph's cache — so never across
  supergraph versions);
* the variables sent to subgraphs (canonical JSON, keys sorted);
* every header forwarded to subgraphs (``authorization`` by default, and the principal
  headers ``X-Rumah-Role`` / ``X-Rumah-Opd`` the access layer sets): two callers whose
  subgraphs would see different credentials never share;
* the caller's authorization-relevant identity, ``principal_identity(principal)``;
* whether the query plan was asked for (``X-Rumah-Explain``: the body differs).

Only queries are shared — never mutations (each one must run) and never subscriptions
(their own transport). The shared answer is in-flight only: a request arriving after the
execution finished runs again.

**Extending the key (access control).** Today ``gateway/auth`` turns a token into a
``Principal`` (role, OPD) whose headers are forwarded — so they are already in the key and
``principal_identity`` adds nothing. When the pipeline receives the principal itself (the
access work: JWT/OIDC subjects, scopes, authorization directives decided in the gateway),
``principal_identity`` must return everything about it that can change what the caller may
see (e.g. ``(issuer, subject)`` — or its grants, if and only if two principals with equal
grants are guaranteed the same data, including from subgraphs that read the subject).
Anything left out of the key is shared between callers.

A caveat the key cannot remove: a request joins an execution that started *before* it
arrived, so a caller that has just written something (a mutation) and reads it back at the
same moment another identical read is running may get the read that started before its
write. Turn de-duplication off (``RUMAH_GATEWAY_DEDUPLICATE_REQUESTS=false``) where clients
need read-your-writes across concurrent identical queries.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import orjson


def principal_identity(principal: Any) -> Hashable:
    """Who asks, as far as sharing goes: the whole principal (issuer, subject, grants), never
    narrower — one caller's answer and access record are never handed to another, even one
    with equal grants. ``None``: no access layer (``RUMAH_GATEWAY_AUTH=none``).

    A ``gateway.auth.Principal`` is keyed by its ``identity`` (the fields its ``==``
    compares, as one JSON text whose hash Python keeps: the key is hashed three times per
    request, and a principal's own ``__hash__`` is a Python call); anything else by itself."""
    return getattr(principal, "identity", principal)


def request_key(
    prepared: object,
    forwarded: Mapping[str, Any],
    forward_headers: Mapping[str, str] | None,
    *,
    explain: bool = False,
    principal: Any = None,
) -> Hashable:
    """What identical concurrent requests have in common, and different ones never do."""
    variables = orjson.dumps(forwarded, option=orjson.OPT_SORT_KEYS) if forwarded else b""
    headers = tuple(sorted(forward_headers.items())) if forward_headers else ()
    return (prepared, variables, headers, explain, principal_identity(principal))
