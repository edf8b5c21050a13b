"""Fixtures for kit and service tests on the embedded adapters (SQLite store + local log)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.kit.backends import BackendSettings, open_backends
from services.kit.runtime import ServiceRuntime, build_runtime
from services.kit.settings import ServiceSettings
from services.kit.spec import ServiceSpec


@dataclass
class FakeClock:
    now: datetime = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def embedded(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(backends=BackendSettings(data_dir=tmp_path), poll_interval_s=0.05)


@pytest.fixture
def open_rt(embedded: ServiceSettings, clock: FakeClock):  # type: ignore[no-untyped-def]
    """``async with open_rt(SPEC) as rt``: a prepared runtime, no background pulling."""
    import contextlib

    @contextlib.asynccontextmanager
    async def factory(spec: ServiceSpec) -> AsyncIterator[ServiceRuntime]:
        async with open_backends(embedded.backends, db=f"test_{spec.name}") as (store, log):
            rt = build_runtime(spec, embedded, store, log, clock)
            await rt.prepare()
            yield rt

    return factory
