"""Ledger fixtures on the embedded adapters (SQLite store + local log in a temp dir)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.kit.backends import BackendSettings, open_backends
from services.kit.ports import DocumentStore, EventLog
from services.ledger.core import Ledger, open_ledger
from services.ledger.settings import LedgerSettings
from tests.unit.ledger.ledger_client import KEYS


@dataclass
class StepClock:
    """A clock that moves one second per reading (recordedAt grows, deterministically)."""

    now: datetime = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def settings(tmp_path: Path) -> LedgerSettings:
    return LedgerSettings(
        backends=BackendSettings(
            backend="embedded",
            data_dir=tmp_path,
            log_partitions=2,
            connect_timeout_s=2.0,
            op_timeout_s=5.0,
        ),
        db="ledger",
        topic_prefix=f"t{uuid.uuid4().hex[:8]}",
        segment_size=10,
        checkpoint_interval_s=0.2,
        poll_interval_s=0.1,
        batch_max=50,
        subgraph_auth=KEYS.subgraph_settings(),
    )


@pytest.fixture
async def backends(settings: LedgerSettings) -> AsyncIterator[tuple[DocumentStore, EventLog]]:
    async with open_backends(settings.backends, db=settings.db) as pair:
        yield pair


LedgerFactory = Callable[..., contextlib.AbstractAsyncContextManager[Ledger]]


@pytest.fixture
def ledger_of(
    settings: LedgerSettings, backends: tuple[DocumentStore, EventLog], clock: StepClock
) -> LedgerFactory:
    """``async with ledger_of(writing=True, **settings_overrides) as ledger`` on one store."""

    @contextlib.asynccontextmanager
    async def factory(writing: bool = True, **overrides: Any) -> AsyncIterator[Ledger]:
        store, log = backends
        yield await open_ledger(
            settings.model_copy(update=overrides), store, log, writing=writing, clock=clock
        )

    return factory


@pytest.fixture
async def ledger(ledger_of: LedgerFactory) -> AsyncIterator[Ledger]:
    async with ledger_of() as opened:
        yield opened
