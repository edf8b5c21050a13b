"""Subscriptions over graphql-transport-ws on the gateway's ``/graphql`` WebSocket.

``SubscriptionEndpoint`` is the ASGI handler ``create_app`` plugs into ``GatewayApp``. Each
``subscribe`` is admitted by the HTTP pipeline (validation, plan cache, variables); a
subscription's plan is ``SubscriptionNode(primary, rest)``: ``primary`` opens an upstream
graphql-transport-ws subscription on the owning subgraph (``Upstream``; the production one
is ``WebSocketUpstream``) and ``rest`` completes every event it yields. See
docs/gateway-subscriptions.md.
"""

from gateway.subscriptions.endpoint import SubscriptionEndpoint
from gateway.subscriptions.messages import PROTOCOL
from gateway.subscriptions.options import SubscriptionOptions
from gateway.subscriptions.runtime import SubscriptionRuntime
from gateway.subscriptions.upstream import Upstream, UpstreamFailure, UpstreamRequest
from gateway.subscriptions.upstream_ws import WebSocketUpstream

__all__ = [
    "PROTOCOL",
    "SubscriptionEndpoint",
    "SubscriptionOptions",
    "SubscriptionRuntime",
    "Upstream",
    "UpstreamFailure",
    "UpstreamRequest",
    "WebSocketUpstream",
]
