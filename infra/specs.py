"""The engine registry: what differs between the engines, as data ``Engines`` drives.

Each kind of engine is one function ``settings -> EngineGroup | None`` in ``REGISTRY``: a
group is what clients use (Kafka, FerretDB, …) and its members are the processes it runs
(one, or the nodes of a cluster). Adding an engine means writing its module (prepare: build
if needed and return the command; probe: prove it does work) and one entry here.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infra.ferretdb_engine import data_dir, ferretdb_build_info, prepare_ferretdb, probe_ferretdb
from infra.kafka_engine import (
    KafkaNode,
    KafkaSetup,
    kafka_version_from_log,
    probe_kafka,
    probe_kafka_node,
)
from infra.keycloak_engine import home_dir as keycloak_home
from infra.keycloak_engine import keycloak_version, prepare_keycloak, probe_keycloak
from infra.postgres_engine import data_dir as postgres_data_dir
from infra.postgres_engine import postgres_version, prepare_postgres, probe_postgres
from infra.settings import InfraSettings


@dataclass(frozen=True, slots=True)
class Launch:
    """How to run an engine process: its argv, plus variables added to the environment."""

    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """One engine process."""

    name: str
    group: str
    address: str
    ports: tuple[int, ...]
    marker: str  # a string of the engine's command line, unique to this var dir
    logs: tuple[Path, ...]  # what to show when it fails (last one: the main log)
    offset_log: Path  # whose size is recorded at spawn (to read this run's lines only)
    prepare: Callable[[], Awaitable[Launch]]
    probe: Callable[[float], Awaitable[None]]
    # the version the running process reports; its argument is ``offset_log``'s size at spawn
    version: Callable[[int], Awaitable[str | None]]
    stop_signal: signal.Signals = signal.SIGTERM  # the engine's clean-shutdown signal
    start_timeout_s: float | None = None  # None: RUMAH_INFRA_START_TIMEOUT_S


@dataclass(frozen=True, slots=True)
class EngineGroup:
    """What clients use: one engine, or a cluster of them."""

    name: str
    address: str  # what clients connect to
    members: tuple[EngineSpec, ...]
    probe: Callable[[float], Awaitable[None]]  # the group as its clients see it
    needs: tuple[str, ...] = ()  # groups that must accept work before this one starts
    # the version a running server reports (None: only known for engines we started)
    server_version: Callable[[], Awaitable[str]] | None = None


def kafka_group(s: InfraSettings) -> EngineGroup:
    setup = KafkaSetup(s)
    bootstrap = s.kafka_client_bootstrap
    cluster = len(setup.nodes) > 1

    def member(node: KafkaNode) -> EngineSpec:
        async def prepare() -> Launch:
            return Launch(await setup.prepare(node))

        async def probe(timeout_s: float) -> None:
            if cluster:
                await probe_kafka_node(node, bootstrap, timeout_s, s.kafka_client)
            else:
                await probe_kafka(node.address, timeout_s, s.kafka_client)

        async def version(offset: int) -> str | None:
            return kafka_version_from_log(node, offset)

        return EngineSpec(
            name=node.name,
            group="kafka",
            address=node.address,
            ports=(node.port, node.controller_port),
            marker=str(node.config),
            logs=(node.logs / "stdout.log", node.logs / "server.log"),
            offset_log=node.logs / "appinfo.log",
            prepare=prepare,
            probe=probe,
            version=version,
        )

    return EngineGroup(
        name="kafka",
        address=bootstrap,
        members=tuple(member(n) for n in setup.nodes),
        probe=lambda t: probe_kafka(bootstrap, t, s.kafka_client),
    )


def ferretdb_group(s: InfraSettings) -> EngineGroup:
    mongo_host, mongo_port = s.mongo_address
    ferret_log = s.var_dir / "log" / "ferretdb.log"

    async def prepare() -> Launch:
        argv, env = await prepare_ferretdb(s)
        return Launch(argv, env)

    async def server_version() -> str:
        info = await ferretdb_build_info(s.mongo_url)
        return str(info.get("ferretdbVersion", "unknown"))

    async def version(offset: int) -> str | None:
        return await server_version()

    # A string of the command line unique to this var dir (the SQLite one is kept as it was, so
    # a FerretDB started by an earlier version is still recognised).
    sqlite = s.ferretdb_backend == "sqlite"
    marker = f"file:{data_dir(s)}/" if sqlite else str(data_dir(s).parent)
    spec = EngineSpec(
        name="ferretdb",
        group="ferretdb",
        address=f"{mongo_host}:{mongo_port}",
        ports=(mongo_port,),
        marker=marker,
        logs=(ferret_log,),
        offset_log=ferret_log,
        prepare=prepare,
        probe=lambda t: probe_ferretdb(s.mongo_url, t),
        version=version,
    )
    return EngineGroup(
        name="ferretdb",
        address=spec.address,
        members=(spec,),
        probe=spec.probe,
        needs=("postgres",) if s.ferretdb_backend == "postgresql" else (),
        server_version=server_version,
    )


def postgres_group(s: InfraSettings) -> EngineGroup | None:
    """PostgreSQL, only as FerretDB's backend."""
    if s.ferretdb_backend != "postgresql":
        return None
    log = s.var_dir / "log" / "postgres.log"

    async def prepare() -> Launch:
        return Launch(await prepare_postgres(s))

    async def server_version() -> str:
        return await postgres_version(s)

    async def version(offset: int) -> str | None:
        return await server_version()

    spec = EngineSpec(
        name="postgres",
        group="postgres",
        address=f"127.0.0.1:{s.postgres_port}",
        ports=(s.postgres_port,),
        marker=str(postgres_data_dir(s)),
        logs=(log,),
        offset_log=log,
        prepare=prepare,
        probe=lambda t: probe_postgres(s),
        version=version,
        # SIGTERM is PostgreSQL's "smart" shutdown: it would wait for every client to leave.
        stop_signal=signal.SIGINT,
    )
    return EngineGroup(
        name="postgres",
        address=spec.address,
        members=(spec,),
        probe=spec.probe,
        server_version=server_version,
    )


def keycloak_group(s: InfraSettings) -> EngineGroup:
    """Keycloak, the local OpenID Connect provider (realm ``rumah``; docs/access.md)."""
    host, port = s.keycloak_address
    log = s.var_dir / "log" / "keycloak.log"

    async def prepare() -> Launch:
        return Launch(await prepare_keycloak(s))

    async def server_version() -> str:
        return keycloak_version(s) or "unknown (not started by `rumah infra up`)"

    async def version(offset: int) -> str | None:
        return keycloak_version(s)

    spec = EngineSpec(
        name="keycloak",
        group="keycloak",
        address=f"{host}:{port}",
        ports=(port,),
        marker=f"-Dkc.home.dir={keycloak_home(s)}",
        logs=(log,),
        offset_log=log,
        prepare=prepare,
        probe=lambda t: probe_keycloak(s, t),
        version=version,
        start_timeout_s=s.keycloak_start_timeout_s,
    )
    return EngineGroup(
        name="keycloak",
        address=spec.address,
        members=(spec,),
        probe=spec.probe,
        server_version=server_version,
    )


# In start order; a group's ``needs`` must come before it.
REGISTRY: tuple[Callable[[InfraSettings], EngineGroup | None], ...] = (
    kafka_group,
    postgres_group,
    ferretdb_group,
    keycloak_group,
)


def engine_groups(s: InfraSettings) -> dict[str, EngineGroup]:
    """The groups ``s`` selects, in start order."""
    return {g.name: g for kind in REGISTRY if (g := kind(s)) is not None}


def port_open(address: str, port: int) -> bool:
    """Something accepts TCP connections on ``port`` of ``address``'s host."""
    host = address.split(",")[0].rpartition(":")[0] or address
    try:
        with socket.create_connection((host.strip("[]"), port), timeout=0.5):
            return True
    except OSError:
        return False
