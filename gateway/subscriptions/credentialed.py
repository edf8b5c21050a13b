"""The subscription upstream with the gateway's credential: each subgraph WebSocket carries a
credential the gateway signed for the subscribing principal (``gateway.auth``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import replace
from typing import Any

from gateway.auth.principal import Principal
from gateway.auth.subgraph_credentials import SubgraphSigner
from gateway.subscriptions.upstream import Upstream, UpstreamRequest


class CredentialedUpstream:
    """An ``Upstream`` whose handshake and ``connection_init`` carry the credential."""

    def __init__(self, inner: Upstream, signer: SubgraphSigner) -> None:
        self.inner, self.signer = inner, signer

    def events(self, request: UpstreamRequest) -> AsyncGenerator[Mapping[str, Any], None]:
        principal = request.principal
        if isinstance(principal, Principal):
            value = self.signer.authorization(principal, request.service)
            request = replace(
                request,
                headers={**(request.headers or {}), "authorization": value},
                init_payload={"Authorization": value},
            )
        return self.inner.events(request)
