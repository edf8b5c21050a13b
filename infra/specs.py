"""What differs between the engines: addresses, ports, logs, how to prepare and probe them."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from infra.ferretdb_engine import data_dir, prepare_ferretdb, probe_ferretdb
from infra.kafka_engine import KafkaPaths, prepare_kafka, probe_kafka
from infra.keycloak_engine import home_dir as keycloak_home
from infra.keycloak_engine import prepare_keycloak, probe_keycloak
from infra.settings import InfraSettings

EngineName = Literal["kafka", "ferretdb", "keycloak"]
ENGINE_NAMES: tuple[EngineName, ...] = get_args(EngineName)


@dataclass(frozen=True, slots=True)
class EngineSpec:
    name: EngineName
    address: str
    ports: tuple[int, ...]
    marker: str  # a string of the engine's command line, unique to this var dir
    logs: tuple[Path, ...]  # what to show when it fails (last one: the main log)
    offset_log: Path  # whose size is recorded at spawn (to read this run's lines only)
    prepare: Callable[[], Awaitable[list[str]]]
    probe: Callable[[float], Awaitable[None]]
    start_timeout_s: float | None = None  # None: RUMAH_INFRA_START_TIMEOUT_S


def engine_specs(s: InfraSettings) -> dict[EngineName, EngineSpec]:
    kafka = KafkaPaths.of(s)
    _, kafka_port = s.kafka_address
    mongo_host, mongo_port = s.mongo_address
    ferret_log = s.var_dir / "log" / "ferretdb.log"
    keycloak_host, keycloak_port = s.keycloak_address
    keycloak_log = s.var_dir / "log" / "keycloak.log"
    return {
        "kafka": EngineSpec(
            name="kafka",
            address=s.kafka_bootstrap,
            ports=(kafka_port, s.kafka_controller_port),
            marker=str(kafka.config),
            logs=(kafka.logs / "stdout.log", kafka.logs / "server.log"),
            offset_log=kafka.logs / "appinfo.log",
            prepare=lambda: prepare_kafka(s),
            probe=lambda t: probe_kafka(s.kafka_bootstrap, t),
        ),
        "ferretdb": EngineSpec(
            name="ferretdb",
            address=f"{mongo_host}:{mongo_port}",
            ports=(mongo_port,),
            marker=f"file:{data_dir(s)}/",
            logs=(ferret_log,),
            offset_log=ferret_log,
            prepare=lambda: prepare_ferretdb(s),
            probe=lambda t: probe_ferretdb(s.mongo_url, t),
        ),
        "keycloak": EngineSpec(  # docs/infra-keycloak.md
            "keycloak", f"{keycloak_host}:{keycloak_port}", (keycloak_port,),
            f"-Dkc.home.dir={keycloak_home(s)}", (keycloak_log,), keycloak_log,
            lambda: prepare_keycloak(s), lambda t: probe_keycloak(s, t),
            s.keycloak_start_timeout_s,
        ),  # fmt: skip
    }


def port_open(address: str, port: int) -> bool:
    """Something accepts TCP connections on ``port`` of ``address``'s host."""
    host = address.rpartition(":")[0] or address
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
