"""Contracts that must not drift: the committed subgraph SDLs, the event schemas, settings."""

from pathlib import Path

import pytest

from rumah.schemas import SUBGRAPH_DIR, stale_sdls
from services.catalog import CATALOG, entry
from services.kit.envelope import load_schemas
from services.kit.graphql.schema import build_schema, subgraph_sdl
from services.kit.settings import service_settings_class, simulator_settings_class
from services.licensing.bootstrap import SPEC as LICENSING
from services.personnel.bootstrap import SPEC as PERSONNEL


def test_committed_subgraph_sdls_are_current() -> None:
    assert stale_sdls(SUBGRAPH_DIR) == [], (
        "run `rumah schemas export` and commit schemas/subgraphs/"
    )


def test_a_stale_sdl_is_detected(tmp_path: Path) -> None:
    (tmp_path / "licensing.graphql").write_text(
        subgraph_sdl(build_schema(LICENSING)) + "# edited\n"
    )
    assert stale_sdls(tmp_path, ["licensing"]) == ["licensing"]
    assert stale_sdls(SUBGRAPH_DIR, ["licensing", "personnel"]) == []


def test_every_service_event_type_has_a_data_schema() -> None:
    types = load_schemas().types
    for spec in (LICENSING, PERSONNEL):
        prefix = spec.event_type("")
        assert any(t.startswith(prefix) for t in types)
    assert LICENSING.event_type("permit.status_changed") in types
    assert LICENSING.topic("permit.status_changed") == "rumah.licensing.permit"


def test_kit_fields_are_named_per_service_so_subgraphs_compose() -> None:
    sdl = subgraph_sdl(build_schema(PERSONNEL))
    assert "personnelSyncStatus: SyncStatus!" in sdl and "personnelSync: SyncStatus" in sdl
    assert 'type Position @key(fields: "id")' in sdl
    assert 'type Position @key(fields: "id", resolvable: false)' in subgraph_sdl(
        build_schema(LICENSING)
    )


def test_catalog_ports_and_env_prefixed_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {e.name for e in CATALOG} >= {"licensing", "personnel"}
    assert (entry("licensing").port, entry("licensing").simulator_port) == (4004, 4104)
    assert (entry("personnel").port, entry("personnel").simulator_port) == (4005, 4105)
    monkeypatch.setenv("RUMAH_LICENSING_POLL_INTERVAL_S", "2.5")
    monkeypatch.setenv("RUMAH_LICENSING_SIM_RATE", "12")
    monkeypatch.setenv("RUMAH_BACKEND", "kafka")
    settings = service_settings_class("licensing")()
    assert settings.poll_interval_s == 2.5 and settings.backends.backend == "kafka"
    assert service_settings_class("personnel")().poll_interval_s == 0.5
    assert simulator_settings_class("licensing")().rate == 12
