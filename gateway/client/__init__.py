"""The subgraph HTTP client: pooled aiohttp session, fetcher, reachability probe."""

from gateway.client.http_fetcher import HttpSubgraphFetcher, decode_response
from gateway.client.probe import probe_subgraphs
from gateway.client.session import subgraph_session

__all__ = ["HttpSubgraphFetcher", "decode_response", "probe_subgraphs", "subgraph_session"]
