"""The subgraph HTTP client: transports (native HTTP/1.1, aiohttp), fetcher, probe."""

from gateway.client.http_fetcher import (
    HttpSubgraphFetcher,
    NativeTransport,
    Transport,
    decode_response,
)
from gateway.client.probe import probe_subgraphs
from gateway.client.session import ClientKind, subgraph_transport

__all__ = [
    "ClientKind",
    "HttpSubgraphFetcher",
    "NativeTransport",
    "Transport",
    "decode_response",
    "probe_subgraphs",
    "subgraph_transport",
]
