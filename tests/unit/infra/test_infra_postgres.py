"""PostgreSQL as FerretDB's backend is configuration: it joins the engines only then, starts
before FerretDB, stops with its fast-shutdown signal, and its secrets stay out of argv."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from pydantic import SecretStr

from infra.engines import Engines
from infra.errors import EngineError
from infra.ferretdb_engine import prepare_ferretdb
from infra.postgres_engine import _check_reachable, ensure_installed, password, postgres_url
from infra.settings import InfraSettings


def _settings(tmp_path: Path, **values: object) -> InfraSettings:
    return InfraSettings(var_dir=tmp_path, **values)  # type: ignore[arg-type]


def test_postgres_is_an_engine_only_as_ferretdbs_backend(tmp_path: Path) -> None:
    assert list(Engines(_settings(tmp_path, ferretdb_backend="sqlite")).groups) == [
        "kafka",
        "ferretdb",
        "keycloak",
    ]
    engines = Engines(_settings(tmp_path, ferretdb_backend="postgresql"))
    assert list(engines.groups) == ["kafka", "postgres", "ferretdb", "keycloak"]
    assert engines.groups["ferretdb"].needs == ("postgres",)
    [postgres] = engines.members("postgres")
    # SIGTERM is a "smart" shutdown that waits for every client: PostgreSQL stops on SIGINT.
    assert postgres.stop_signal == signal.SIGINT
    assert postgres.marker == str(tmp_path / "postgres" / "data")


def test_the_generated_password_is_kept_private_and_url_quoted(tmp_path: Path) -> None:
    s = _settings(tmp_path, ferretdb_backend="postgresql", postgres_port=29999)
    first = password(s)
    assert password(s) == first and len(first) >= 24
    kept = tmp_path / "postgres" / "password"
    assert kept.stat().st_mode & 0o777 == 0o600
    given = _settings(tmp_path, postgres_password=SecretStr("a b/c@d"), postgres_port=29999)
    assert postgres_url(given) == "postgres://rumah:a%20b%2Fc%40d@127.0.0.1:29999/ferretdb"


async def test_ferretdb_gets_the_postgres_url_from_its_environment_not_argv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = _settings(tmp_path, ferretdb_backend="postgresql", postgres_password=SecretStr("pw-1"))

    async def built(settings: InfraSettings) -> Path:
        return tmp_path / "ferretdb"

    async def no_database(settings: InfraSettings) -> None:
        return None

    monkeypatch.setattr("infra.ferretdb_engine.ensure_ferretdb", built)
    monkeypatch.setattr("infra.postgres_engine.ensure_database", no_database)
    argv, env = await prepare_ferretdb(s)
    assert argv[argv.index("-handler") + 1] == "postgresql"
    assert not any("pw-1" in a for a in argv)
    assert env == {"FERRETDB_POSTGRESQL_URL": f"{postgres_url(s)}?pool_max_conns=150"}
    sqlite_argv, sqlite_env = await prepare_ferretdb(_settings(tmp_path, ferretdb_backend="sqlite"))
    assert sqlite_argv[sqlite_argv.index("-handler") + 1] == "sqlite" and sqlite_env == {}


async def test_a_bin_dir_without_postgres_is_an_error_not_an_install(tmp_path: Path) -> None:
    s = _settings(tmp_path, ferretdb_backend="postgresql", postgres_bin_dir=tmp_path)
    with pytest.raises(EngineError, match="no `postgres` in RUMAH_POSTGRES_BIN_DIR"):
        await ensure_installed(s)


def test_an_unsearchable_parent_of_the_data_dir_is_named(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    data = locked / "postgres" / "data"
    data.mkdir(parents=True)
    locked.chmod(0o700)
    try:
        with pytest.raises(EngineError, match="is not searchable by the PostgreSQL OS user") as e:
            _check_reachable(data, (65534, 65534))  # nobody: owns none of the parents
        named = Path(str(e.value).split(": ", 1)[1].split(" is not searchable")[0])
        assert named in data.parents and not named.stat().st_mode & 0o001
    finally:
        locked.chmod(0o755)


async def test_a_missing_postgresql_is_installed_from_debian_once_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """apt-get is a stand-in here (the real one needs root and the network): it fails the
    first install as an empty package list would, then `update` and the retry succeed."""
    calls = tmp_path / "apt-calls"
    apt = tmp_path / "apt-get"
    apt.write_text(
        "#!/bin/sh\n"
        f'echo "$DEBIAN_FRONTEND $*" >> {calls}\n'
        f'if [ "$1" = install ] && [ ! -e {tmp_path}/updated ]; then exit 100; fi\n'
        f'if [ "$1" = update ]; then touch {tmp_path}/updated; fi\n'
        f"mkdir -p {tmp_path}/pg/15/bin && touch {tmp_path}/pg/15/bin/postgres\n"
    )
    apt.chmod(0o755)
    installed = tmp_path / "pg" / "15" / "bin"
    monkeypatch.setattr(
        "infra.postgres_engine._newest_debian_bin_dir",
        lambda: installed if (installed / "postgres").exists() else None,
    )
    monkeypatch.setattr("infra.postgres_engine.shutil.which", lambda name: str(apt))
    monkeypatch.setattr("infra.postgres_engine.NO_MAIN_CLUSTER", tmp_path / "etc" / "no-main.conf")
    monkeypatch.setattr("infra.postgres_engine.os.geteuid", lambda: 0)

    s = _settings(tmp_path, ferretdb_backend="postgresql")
    assert await ensure_installed(s) == installed
    assert calls.read_text().splitlines() == [
        "noninteractive install -y -q postgresql",
        "noninteractive update -q",
        "noninteractive install -y -q postgresql",
    ]
    assert "create_main_cluster = false" in (tmp_path / "etc" / "no-main.conf").read_text()
    assert "installing Debian's package (apt-get install -y postgresql)" in capsys.readouterr().err
    assert await ensure_installed(s) == installed  # installed now: nothing runs again
    assert len(calls.read_text().splitlines()) == 3
