"""What every connection shares: the gateway's state and pipeline, the upstream client, the
authenticator and the options. Built once by ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.auth import Authenticator
from gateway.auth.rate_limit import RateLimiter
from gateway.request.pipeline import Pipeline
from gateway.request.state import StateHolder
from gateway.subscriptions.options import SubscriptionOptions
from gateway.subscriptions.upstream import Upstream


@dataclass(frozen=True, slots=True)
class SubscriptionRuntime:
    holder: StateHolder
    pipeline: Pipeline
    upstream: Upstream
    authenticator: Authenticator | None = None  # None: an open gateway, every init is acked
    options: SubscriptionOptions = SubscriptionOptions()
    limiter: RateLimiter | None = None  # per principal: each subscribe spends a token
    # queue an access record (principal, state, query, admitted, outcome, body) → kept?
    record: Callable[..., bool] | None = None
    # per client address, spent by a rejected connection_init (the HTTP gate's limiter):
    # token guessing over WebSocket is slowed down like over HTTP
    failures: RateLimiter | None = None
