"""Fake subgraphs for executor tests: canned answers per service, every request recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import pytest

from gateway.executor import native
from gateway.ports import SubgraphFetchError, SubgraphRequest

Handler = Callable[[SubgraphRequest], Mapping[str, Any]]


class FakeFetcher:
    def __init__(self, handlers: Mapping[str, Handler | Mapping[str, Any]]) -> None:
        self.handlers = dict(handlers)
        self.requests: list[SubgraphRequest] = []
        self.delays: dict[str, float] = {}

    async def fetch(self, request: SubgraphRequest) -> Mapping[str, Any]:
        self.requests.append(request)
        delay = self.delays.get(request.service)
        if delay:
            await asyncio.sleep(delay)
        handler = self.handlers[request.service]
        if isinstance(handler, Exception):
            raise handler
        if callable(handler):
            return handler(request)
        return handler

    def calls(self, service: str) -> list[SubgraphRequest]:
        return [r for r in self.requests if r.service == service]


def entities(resolve: Callable[[dict[str, Any]], Any]) -> Handler:
    """A handler answering ``_entities`` by calling ``resolve`` on each representation."""

    def handler(request: SubgraphRequest) -> Mapping[str, Any]:
        reps = (request.variables or {})["representations"]
        return {"data": {"_entities": [resolve(r) for r in reps]}}

    return handler


def failing(service: str, code: str = "SUBREQUEST_HTTP_ERROR") -> SubgraphFetchError:
    return SubgraphFetchError(service, f"HTTP fetch failed from '{service}': 503", code)


class KernelChoice:
    """The executor path a test runs (set by the ``kernel`` fixture in conftest.py): the
    compiled kernel module, or None for the pure-Python reference."""

    module: ModuleType | None = None


KERNEL = KernelChoice()


def compiled_kernel() -> ModuleType:
    """The compiled kernel; skips when it was never built, fails when it is stale."""
    try:
        module = native.load_kernel("require")
    except native.NativeKernelMissing as exc:
        if "not built" in str(exc):
            pytest.skip(str(exc))
        pytest.fail(str(exc))
    assert module is not None
    return module
