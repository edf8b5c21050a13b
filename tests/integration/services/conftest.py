"""Service integration fixtures on the REAL engines (Kafka + FerretDB, `rumah infra up`).

Each test gets its own database and its own topic prefix, so runs never see each other's
events; the simulator and the service run under uvicorn on free loopback ports, wired to
each other (pull + push webhook) exactly as `rumah run` wires them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bench.chaos.rig import KEYS, Rig, open_rig
from services.kit.backends import BackendSettings
from services.kit.spec import ServiceSpec
from services.kit.test_credentials import SigningKeys

pytestmark = pytest.mark.integration


@dataclass
class Hub(Rig):
    """One service wired to its simulator, on Kafka + FerretDB: the chaos scenarios' rig
    (``bench.chaos.rig``), plus GraphQL as the gateway would call it."""

    keys: SigningKeys = KEYS  # the gateway key the service trusts

    async def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        payload = {"query": query, "variables": variables}
        headers = self.keys.headers(self.spec.name)
        async with self.http.post(f"{self.url}/graphql", json=payload, headers=headers) as r:
            body = await r.json()
        assert not body.get("errors"), body
        return dict(body["data"])


@pytest.fixture
def engines_settings(kafka_bootstrap: str, mongo_url: str) -> BackendSettings:
    return BackendSettings(
        backend="kafka",
        kafka_bootstrap=kafka_bootstrap,
        mongo_url=mongo_url,
        connect_timeout_s=2.0,
        op_timeout_s=10.0,
        log_partitions=3,
    )


@pytest.fixture
def open_hub(engines_settings: BackendSettings) -> Callable[..., Any]:
    @contextlib.asynccontextmanager
    async def factory(
        spec: ServiceSpec,
        seed: int = 42,
        service: dict[str, Any] | None = None,
        **backend: float,
    ) -> AsyncIterator[Hub]:
        """``backend``: BackendSettings overrides (e.g. ``op_timeout_s=2.0``); ``service``:
        ServiceSettings overrides (e.g. ``{"reconcile_interval_s": 1.0}``). The chaos
        scenarios' rig, without its ledger."""
        backends = engines_settings.model_copy(update=backend)
        async with open_rig(
            backends, spec, seed=seed, ledger=False, service=service, kind=Hub
        ) as hub:
            assert isinstance(hub, Hub)
            yield hub

    return factory
