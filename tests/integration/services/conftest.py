"""Service integration fixtures on the REAL engines (Kafka + FerretDB, `rumah infra up`).

Each test gets its own database and its own topic prefix, so runs never see each other's
events; the simulator and the service run under uvicorn on free loopback ports, wired to
each other (pull + push webhook) exactly as `rumah run` wires them.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from services.kit.app import create_app
from services.kit.backends import BackendSettings, open_backends
from services.kit.envelope import Event, decode
from services.kit.ports import DocumentStore, EventLog, read_to_end
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.spec import ServiceSpec
from services.kit.test_credentials import SigningKeys
from services.kit.testing import eventually, serve_app

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


KEYS = SigningKeys()  # the test gateway's key; the services here trust it
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"integration-test-push-secret-32b").decode()


@dataclass
class Hub:
    """One service wired to its simulator, on Kafka + FerretDB."""

    spec: ServiceSpec
    sim: Simulator
    url: str
    sim_url: str
    http: aiohttp.ClientSession
    log: EventLog
    prefix: str
    store: DocumentStore  # a client of the service's own database (to compare, not to write)
    keys: SigningKeys = KEYS  # the gateway key the service trusts

    async def admin(self, path: str, body: Any = None) -> Any:
        async with self.http.post(f"{self.sim_url}/_admin/{path}", json=body or {}) as r:
            assert r.status == 200, await r.text()
            return await r.json()

    async def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        payload = {"query": query, "variables": variables}
        headers = KEYS.headers(self.spec.name)
        async with self.http.post(f"{self.url}/graphql", json=payload, headers=headers) as r:
            body = await r.json()
        assert not body.get("errors"), body
        return dict(body["data"])

    async def ready(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"{self.url}/health/ready") as r:
            return r.status, await r.json()

    async def events(self, family: str) -> list[Event]:
        """Every event on the service's topic for ``family`` so far (a replay from earliest)."""
        topic = self.spec.topic(family, self.prefix)
        out: list[Event] = []
        async for records in read_to_end(self.log, [topic]):
            out.extend(decode(r.value) for r in records)
        return out


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
def open_hub(engines_settings: BackendSettings, tmp_path: Path) -> Callable[..., Any]:
    @contextlib.asynccontextmanager
    async def factory(
        spec: ServiceSpec,
        seed: int = 42,
        service: dict[str, Any] | None = None,
        **backend: float,
    ) -> AsyncIterator[Hub]:
        """``backend``: BackendSettings overrides (e.g. ``op_timeout_s=2.0``); ``service``:
        ServiceSettings overrides (e.g. ``{"reconcile_interval_s": 1.0}``)."""
        run = uuid.uuid4().hex[:10]
        backends = engines_settings.model_copy(update=backend)
        settings = ServiceSettings(
            backends=backends,
            db=f"it_{spec.name}_{run}",
            topic_prefix=f"it{run}",
            poll_interval_s=0.2,
            upstream_timeout_s=1.0,
            upstream_backoff_max_s=0.5,
            subgraph_auth=KEYS.subgraph_settings(),
            webhook_secret=WEBHOOK_SECRET,
        ).model_copy(update=service or {})
        svc_port = _free_port()
        sim = Simulator(spec.workflow, seed=seed)
        sim_app = create_simulator_app(
            sim,
            rate=0,
            webhook_url=f"http://127.0.0.1:{svc_port}/webhook",
            webhook_secret=WEBHOOK_SECRET,
        )
        async with open_backends(engines_settings, db=settings.db) as (store, log):
            try:
                async with (
                    serve_app(sim_app) as sim_url,
                    serve_app(create_app(spec, settings, sim_url), port=svc_port) as url,
                    aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
                ):
                    hub = Hub(spec, sim, url, sim_url, http, log, settings.topic_prefix, store)
                    await eventually(lambda: _ready(hub), timeout_s=60, what="service ready")
                    yield hub
            finally:  # after the service stopped, so nothing writes into a dropped database
                await store.db.client.drop_database(settings.db)  # type: ignore[attr-defined]

    return factory


async def _ready(hub: Hub) -> bool:
    """Ready, and every upstream resource pulled once (the initial sync is done)."""
    status, _ = await hub.ready()
    async with hub.http.get(f"{hub.url}/sync") as r:
        resources = (await r.json())["resources"]
    synced = len(resources) == len(hub.spec.entities) and all(
        v["last_success_at"] for v in resources.values()
    )
    return status == 200 and synced
