"""The hub a chaos scenario runs against: one OPD service wired to its simulator (pull + signed
push webhook, as ``rumah run`` wires them) and the ledger, all in this process, on the real
engines (Kafka + FerretDB) that ``rumah infra up`` started; a fresh database and topic prefix
per run, dropped afterwards.

``Rig`` also drives bursts of upstream changes (the simulator's driver, stopped after a given
number of changes) and samples the service's relay counters, so a scenario can say when
events flowed and when they stalled.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from rumah.freehub import free_port
from services.kit.app import create_app
from services.kit.backends import BackendSettings, open_backends
from services.kit.envelope import Event, decode
from services.kit.mapping import Mapped, map_record
from services.kit.ports import DocumentStore, EventLog, read_to_end
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.simulator.table import Record
from services.kit.spec import ServiceSpec
from services.kit.test_credentials import SigningKeys
from services.kit.testing import eventually, scrape_metrics, serve_app
from services.ledger.app import create_app as create_ledger_app
from services.ledger.settings import LedgerSettings

KEYS = SigningKeys()  # the stand-in gateway key the service and the ledger trust
# checkpoints each second, live feeds polled every 0.1 s: a scenario sees the ledger promptly
LIVELY_LEDGER = {"checkpoint_interval_s": 1.0, "poll_interval_s": 0.1}
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"chaos-rig-push-webhook-secret-32").decode()


@dataclass
class Sample:
    at: float  # time.monotonic()
    written: float  # events the store confirmed (rumah_events_written_total)
    relayed: float  # outbox entries published (rumah_outbox_relayed_total)
    queued: float  # written by the service, not yet relayed


@dataclass
class Rig:
    spec: ServiceSpec
    sim: Simulator
    url: str
    sim_url: str
    http: aiohttp.ClientSession
    log: EventLog
    store: DocumentStore  # a client of the service's database (to compare, never to write)
    prefix: str
    ledger: LedgerSettings
    changes: int = 0  # upstream changes the simulator made since the rig opened
    # (entity id, its ``source_updated_at``) -> when the simulator made that change
    # (time.monotonic); a status event carries the pair as subject and ``upstreamChangedAt``
    changed_at: dict[tuple[str, str], float] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    driving: bool = False  # a burst is on
    timing: bool = False  # record ``changed_at`` (a mapping per change: only when asked)

    def on_change(self, resource: str, record: Record) -> None:
        self.changes += 1
        if self.timing:
            binding = self.spec.binding_for(resource)
            m = map_record(binding.mapping, record) if binding else None
            if isinstance(m, Mapped):
                self.changed_at[(m.id, str(m.doc.get("source_updated_at")))] = time.monotonic()

    async def admin(self, path: str, body: Any = None) -> Any:
        async with self.http.post(f"{self.sim_url}/_admin/{path}", json=body or {}) as r:
            if r.status != 200:
                raise RuntimeError(f"simulator /_admin/{path}: {r.status} {await r.text()}")
            return await r.json()

    async def ready(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"{self.url}/health/ready") as r:
            return r.status, await r.json()

    async def sample(self) -> Sample:
        m = await scrape_metrics(self.http, self.url)
        written = sum(v for (n, _), v in m.items() if n == "rumah_events_written_total")
        relayed = sum(v for (n, _), v in m.items() if n == "rumah_outbox_relayed_total")
        queued = sum(v for (n, _), v in m.items() if n == "rumah_outbox_queued")
        return Sample(time.monotonic(), written, relayed, queued)

    async def events(self, family: str) -> list[Event]:
        """Every event on the service's topic for ``family`` so far (a replay from earliest)."""
        out: list[Event] = []
        async for records in read_to_end(self.log, [self.spec.topic(family, self.prefix)]):
            out.extend(decode(r.value) for r in records)
        return out

    async def burst(self, changes: int, rate: float) -> None:
        """``changes`` upstream changes at ``rate`` per second, then the driver stops."""
        target = self.changes + changes
        self.driving = True
        await self.admin("driver", {"rate": rate})
        try:
            while self.changes < target:  # noqa: ASYNC110 - the simulator counts, we watch
                await asyncio.sleep(0.05)
        finally:
            await self.admin("driver", {"rate": 0})
            self.driving = False

    async def until_changes(self, n: int) -> None:
        """Wait until the simulator made ``n`` changes since the rig opened."""
        while self.changes < n:  # noqa: ASYNC110 - the simulator counts, we watch
            await asyncio.sleep(0.05)

    async def watch(self, interval_s: float = 0.1) -> None:
        """Sample the relay counters until cancelled (a failed scrape is skipped)."""
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, AssertionError):
                self.samples.append(await self.sample())
            await asyncio.sleep(interval_s)

    def flowed_between(self, start: float, end: float) -> float:
        """Events relayed between two moments (by the samples taken then)."""
        inside = [s for s in self.samples if start <= s.at <= end]
        return inside[-1].relayed - inside[0].relayed if len(inside) > 1 else 0.0

    def longest_stall(self, start: float, end: float) -> float:
        """The longest time between ``start`` and ``end`` during which events waited in the
        outbox and none was relayed (0.0: they never stopped flowing). Measured from the last
        sample that saw progress (or nothing waiting) to the first that sees it again: an
        upper bound, within one sampling interval at each end."""
        longest, since, last = 0.0, None, None
        for s in (s for s in self.samples if start <= s.at <= end):
            if last is not None:  # the first sample only says where the counters stood
                if since is not None:
                    longest = max(longest, s.at - since)
                if s.relayed > last.relayed or not (s.written > s.relayed or s.queued > 0):
                    since = None
                elif since is None:
                    since = last.at
            last = s
        return longest

    async def flowing_again(self, since: float, timeout_s: float, rate: float) -> float:
        """Seconds from ``since`` (an engine's return) until an event is relayed. When the
        burst is over and nothing waits, the driver makes changes at ``rate`` until one is
        relayed (a probe: events must flow for new changes too); raises after ``timeout_s``."""
        first = await self.sample()
        probing = not self.driving
        if probing:
            await self.admin("driver", {"rate": rate})
        try:
            while (now := await self.sample()).relayed <= first.relayed:
                if now.at - since > timeout_s:
                    raise TimeoutError(f"no event relayed {timeout_s:.0f}s after the return")
                await asyncio.sleep(0.05)
        finally:
            if probing:
                await self.admin("driver", {"rate": 0})
        return now.at - since


@contextlib.asynccontextmanager
async def open_rig(
    backends: BackendSettings,
    spec: ServiceSpec,
    *,
    seed: int = 42,
    ledger: bool = True,
    service: dict[str, Any] | None = None,
    kind: type[Rig] = Rig,  # a subclass adds what its user needs
) -> AsyncIterator[Rig]:
    """The service, its simulator and (``ledger``) the ledger, ready and initially synced;
    ``service``: ServiceSettings overrides."""
    run = uuid.uuid4().hex[:10]
    settings = ServiceSettings(
        backends=backends,
        db=f"chaos_{spec.name}_{run}",
        topic_prefix=f"chaos{run}",
        poll_interval_s=0.2,
        upstream_timeout_s=1.0,
        upstream_backoff_max_s=0.5,
        subgraph_auth=KEYS.subgraph_settings(),
        webhook_secret=WEBHOOK_SECRET,
    ).model_copy(update=service or {})
    ledger_settings = LedgerSettings(
        backends=backends,
        db=f"chaos_ledger_{run}",
        topic_prefix=settings.topic_prefix,
        subgraph_auth=settings.subgraph_auth,
    ).model_copy(update=LIVELY_LEDGER)
    svc_port = free_port()
    sim = Simulator(spec.workflow, seed=seed)
    sim_app = create_simulator_app(
        sim,
        rate=0,
        webhook_url=f"http://127.0.0.1:{svc_port}/webhook",
        webhook_secret=WEBHOOK_SECRET,
    )
    async with open_backends(backends, db=settings.db) as (store, log):
        try:
            async with (
                serve_app(sim_app) as sim_url,
                serve_app(create_app(spec, settings, sim_url), port=svc_port) as url,
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
            ):
                rig = kind(
                    spec,
                    sim,
                    url,
                    sim_url,
                    http,
                    log,
                    store,
                    settings.topic_prefix,
                    ledger_settings,
                )
                sim.listeners.append(rig.on_change)
                await eventually(lambda: _synced(rig), timeout_s=60, what="service ready")
                async with contextlib.AsyncExitStack() as stack:
                    if ledger:
                        await stack.enter_async_context(
                            serve_app(create_ledger_app(ledger_settings))
                        )
                    yield rig
        finally:  # after the service and the ledger stopped: nothing writes into a dropped db
            await store.db.client.drop_database(settings.db)  # type: ignore[attr-defined]
            await store.db.client.drop_database(ledger_settings.db)  # type: ignore[attr-defined]


async def _synced(rig: Rig) -> bool:
    """Ready, and every upstream resource pulled once (the initial sync is done)."""
    status, _ = await rig.ready()
    async with rig.http.get(f"{rig.url}/sync") as r:
        resources = (await r.json())["resources"]
    synced = len(resources) == len(rig.spec.entities) and all(
        v["last_success_at"] for v in resources.values()
    )
    return status == 200 and synced
