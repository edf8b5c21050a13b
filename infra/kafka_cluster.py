"""Fault-test helpers for the local Kafka: which node leads what, and crashing one of them.

    cluster = KafkaCluster(engines)
    victim = cluster.controller()                  # node id of the active KRaft controller
    victim = await cluster.busiest_leader(topics)  # or the node leading most partitions
    await cluster.kill(victim)                     # SIGKILL, no shutdown
    await cluster.wait_controller(other_than=victim)
    await cluster.start(victim)                    # back once it is a registered broker
    await cluster.wait_in_sync(topics)             # every replica caught up again

Works on the single node too (``RUMAH_KAFKA_NODES=1``: node 1, named ``kafka``).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from infra.engines import Engines, EngineStatus
from infra.errors import EngineError
from infra.kafka_engine import KafkaNode, kafka_nodes, quorum_state


class KafkaCluster:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines
        self.nodes = kafka_nodes(engines.settings)
        self.bootstrap = engines.settings.kafka_client_bootstrap

    def node(self, node_id: int) -> KafkaNode:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise EngineError("kafka", f"no node {node_id}; the nodes are {self.node_ids}")

    @property
    def node_ids(self) -> list[int]:
        return [n.node_id for n in self.nodes]

    def name(self, node_id: int) -> str:
        """The engine name of a node (``kafka-2``), for ``rumah infra`` and ``Engines``."""
        return self.node(node_id).name

    def controller(self) -> int:
        """The node id of the active controller (the KRaft quorum's leader).

        Read from the newest election any node recorded; right after the leader died this
        still names it until the others have elected a new one (see ``wait_controller``).
        """
        known = [s for n in self.nodes if (s := quorum_state(n)) is not None]
        if not known:
            raise EngineError("kafka", "no node has recorded a quorum leader (is Kafka up?)")
        return max(known)[1]

    async def wait_controller(self, other_than: int | None = None, timeout_s: float = 60) -> int:
        """Wait until a running node is the active controller (not ``other_than``)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                leader = self.controller()
            except EngineError:
                leader = None
            if leader is not None and leader != other_than and self.running(leader):
                return leader
            if time.monotonic() > deadline:
                raise EngineError("kafka", f"no new controller after {timeout_s:.0f}s")
            await asyncio.sleep(0.2)

    def running(self, node_id: int) -> bool:
        return self.engines.pid(self.name(node_id)) is not None

    async def leaders(self, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        """(topic, partition) -> node id of its leader (-1: none, all replicas down)."""
        described = await self._describe(topics)
        return {
            (t["topic"], p["partition"]): p["leader"] for t in described for p in t["partitions"]
        }

    async def busiest_leader(self, topics: Sequence[str]) -> int:
        """The node that leads the most partitions of ``topics`` (ties: the lowest id)."""
        counts = Counter(n for n in (await self.leaders(topics)).values() if n >= 0)
        if not counts:
            raise EngineError("kafka", f"no partition of {list(topics)} has a leader")
        return min(counts, key=lambda n: (-counts[n], n))

    async def replicas(self, topics: Sequence[str]) -> dict[tuple[str, int], tuple[list[int], ...]]:
        """(topic, partition) -> (replicas, in-sync replicas)."""
        described = await self._describe(topics)
        return {
            (t["topic"], p["partition"]): (list(p["replicas"]), list(p["isr"]))
            for t in described
            for p in t["partitions"]
        }

    async def wait_in_sync(self, topics: Sequence[str], timeout_s: float = 120) -> None:
        """Wait until every replica of every partition of ``topics`` is in sync."""
        deadline = time.monotonic() + timeout_s
        behind: list[Any] = []
        while True:
            try:
                state = await self.replicas(topics)
                behind = [(k, r, i) for k, (r, i) in state.items() if set(r) != set(i)]
            except Exception as exc:  # the cluster may still be electing
                behind = [repr(exc)]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise EngineError(
                    "kafka", f"replicas not in sync after {timeout_s:.0f}s: {behind[:5]}"
                )
            await asyncio.sleep(0.5)

    async def kill(self, node_id: int) -> None:
        """SIGKILL one node (a crash: no controlled shutdown, no flush)."""
        await self.engines.kill(self.name(node_id))

    async def stop(self, node_id: int) -> None:
        """Stop one node cleanly (SIGTERM: controlled shutdown, leaders moved first)."""
        await self.engines.stop(self.name(node_id))

    async def start(self, node_id: int) -> list[EngineStatus]:
        """Start one node again; returns once it is a registered broker and the cluster
        takes writes (its replicas may still be catching up: ``wait_in_sync``)."""
        return await self.engines.start(self.name(node_id))

    async def _describe(self, topics: Sequence[str]) -> list[dict[str, Any]]:
        from aiokafka.admin import AIOKafkaAdminClient

        options = self.engines.settings.kafka_client.client_options()
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap, request_timeout_ms=5000, **options
        )
        try:  # start too: a start that fails (the cluster electing) has opened connections
            await admin.start()
            described: list[dict[str, Any]] = await admin.describe_topics(list(topics))
        finally:
            await admin.close()
        missing = [t["topic"] for t in described if t.get("error_code")]
        if missing:
            raise EngineError("kafka", f"cannot describe {missing}: {described}")
        return described
