"""`rumah run` records the hub's backend; CLI commands read the hub that runs (the
environment still decides when it says so); no password is written to disk."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rumah.common.hub import read_hub, remove_hub, write_hub
from rumah.common.settings import SettingsError
from services.kit.backends import BackendSettings
from services.kit.cli_backends import backends_for_cli, hub_variables

KAFKA = {
    "RUMAH_BACKEND": "kafka",
    "RUMAH_KAFKA_BOOTSTRAP": "k:9092",
    "RUMAH_MONGO_URL": "mongodb://m:27017",
    "RUMAH_DATA_DIR": "/srv/rumah",
}


@pytest.fixture(autouse=True)
def _no_backend_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("RUMAH_"):
            monkeypatch.delenv(name)


def test_the_record_is_private_read_back_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "run" / "hub.json"
    write_hub(KAFKA, KAFKA, "2026-12-06T00:00:00+00:00", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    hub = read_hub(path)
    assert hub is not None and hub.pid == os.getpid() and hub.variables == KAFKA
    remove_hub(path)
    assert not path.exists() and read_hub(path) is None


def test_a_record_of_a_gone_process_or_garbage_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "hub.json"
    path.write_text('{"pid": 999999999, "variables": {}}')
    assert read_hub(path) is None
    path.write_text("not json")
    assert read_hub(path) is None
    path.write_text('{"pid": "x"}')
    assert read_hub(path) is None


def test_a_password_is_never_recorded() -> None:
    variables, shown = hub_variables(
        BackendSettings(backend="kafka", mongo_url="mongodb://app:s3cret@m:27017/?w=1")
    )
    assert "RUMAH_MONGO_URL" not in variables
    assert shown["RUMAH_MONGO_URL"] == "mongodb://app:***@m:27017/?w=1"
    assert Path(variables["RUMAH_DATA_DIR"]).is_absolute()


def _hub(tmp_path: Path, variables: dict[str, str]) -> object:
    path = tmp_path / "hub.json"
    write_hub(variables, {**variables, "RUMAH_MONGO_URL": "mongodb://app:***@m"}, "t", path)
    return read_hub(path)


def test_the_running_hub_fills_what_the_environment_leaves_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = _hub(tmp_path, KAFKA)
    chosen = backends_for_cli(hub=hub)  # type: ignore[arg-type]
    s = chosen.settings
    assert (s.backend, s.kafka_bootstrap, s.mongo_url) == ("kafka", "k:9092", "mongodb://m:27017")
    assert s.data_dir == Path("/srv/rumah") and "`rumah run`" in chosen.source
    monkeypatch.setenv("RUMAH_KAFKA_BOOTSTRAP", "mine:1")
    assert backends_for_cli(hub=hub).settings.kafka_bootstrap == "mine:1"  # type: ignore[arg-type]
    monkeypatch.setenv("RUMAH_BACKEND", "embedded")
    chosen = backends_for_cli(hub=hub)  # type: ignore[arg-type]
    assert chosen.settings.backend == "embedded" and chosen.source.startswith("the environment")
    monkeypatch.delenv("RUMAH_BACKEND")
    assert backends_for_cli(hub=None).source == "the defaults (no hub running)"


def test_a_hub_with_a_password_needs_it_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = _hub(tmp_path, {k: v for k, v in KAFKA.items() if k != "RUMAH_MONGO_URL"})
    with pytest.raises(SettingsError):
        backends_for_cli(hub=hub)  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert "mongodb://app:***@m" in err and "RUMAH_MONGO_URL" in err
    monkeypatch.setenv("RUMAH_MONGO_URL", "mongodb://app:s3cret@m")
    assert backends_for_cli(hub=hub).settings.mongo_url == "mongodb://app:s3cret@m"  # type: ignore[arg-type]


def test_a_hand_edited_record_is_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = _hub(tmp_path, {**KAFKA, "RUMAH_BACKEND": "cassandra"})
    with pytest.raises(SettingsError):
        backends_for_cli(hub=hub)  # type: ignore[arg-type]
    assert "invalid hub record" in capsys.readouterr().err
