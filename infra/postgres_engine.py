"""PostgreSQL from Debian's packages, as FerretDB's backend (``RUMAH_FERRETDB_BACKEND=postgresql``).

The server runs from this checkout's ``var/postgres`` (its own cluster, made with ``initdb``;
the system's clusters are left alone), listens on 127.0.0.1 only and takes passwords
(SCRAM). ``postgres`` refuses to run as root, so when ``rumah infra`` runs as root the
server (and ``initdb``) run as ``RUMAH_POSTGRES_OS_USER`` (``postgres``, which Debian's
package creates) through ``setpriv``; the data directory belongs to that user.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

from infra.errors import EngineError
from infra.settings import InfraSettings
from infra.tools import require_tool, run_tool

DEBIAN_PACKAGE = "postgresql"  # Debian 12: PostgreSQL 15
# Debian's postgresql-common would create and start a "main" cluster on port 5432 when the
# package is installed; ours lives in var/, so the system one is not wanted.
NO_MAIN_CLUSTER = Path("/etc/postgresql-common/createcluster.d/rumah-no-main-cluster.conf")


def home(settings: InfraSettings) -> Path:
    return settings.var_dir / "postgres"


def data_dir(settings: InfraSettings) -> Path:
    return home(settings) / "data"


def _newest_debian_bin_dir() -> Path | None:
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "postgres").exists()]
    numbered = [p for p in found if p.parent.name.isdigit()]
    return max(numbered, key=lambda p: int(p.parent.name), default=None)


def bin_dir(settings: InfraSettings) -> Path | None:
    """Where ``postgres``, ``initdb`` and ``psql`` are (None: PostgreSQL is not installed)."""
    if settings.postgres_bin_dir is not None:
        given = settings.postgres_bin_dir
        return given if (given / "postgres").exists() else None
    return _newest_debian_bin_dir()


async def ensure_installed(settings: InfraSettings) -> Path:
    """PostgreSQL's bin directory, installing Debian's package first if there is none."""
    found = bin_dir(settings)
    if found is not None:
        return found
    if settings.postgres_bin_dir is not None:
        raise EngineError(
            "postgres", f"no `postgres` in RUMAH_POSTGRES_BIN_DIR={settings.postgres_bin_dir}"
        )
    apt = shutil.which("apt-get")
    if apt is None:
        raise EngineError(
            "postgres",
            "PostgreSQL is not installed and there is no apt-get here: install PostgreSQL 15+ "
            "and set RUMAH_POSTGRES_BIN_DIR to its bin directory",
        )
    prefix: list[str] = []
    if os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            raise EngineError(
                "postgres",
                f"PostgreSQL is not installed; run `apt-get install -y {DEBIAN_PACKAGE}` as "
                "root (or set RUMAH_POSTGRES_BIN_DIR)",
            )
        prefix = [sudo, "-n"]
    print(
        f"infra: PostgreSQL is not installed; installing Debian's package "
        f"(apt-get install -y {DEBIAN_PACKAGE}), once…",
        file=sys.stderr,
    )
    if os.geteuid() == 0:
        _no_main_cluster()
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, apt, "install", "-y", "-q", DEBIAN_PACKAGE]
    try:
        await run_tool("postgres", install, env=env, timeout_s=900)
    except EngineError:  # a fresh machine may have no package lists yet
        await run_tool("postgres", [*prefix, apt, "update", "-q"], env=env, timeout_s=600)
        await run_tool("postgres", install, env=env, timeout_s=900)
    found = bin_dir(settings)
    if found is None:
        raise EngineError("postgres", f"`apt-get install {DEBIAN_PACKAGE}` left no server binary")
    return found


def _no_main_cluster() -> None:
    NO_MAIN_CLUSTER.parent.mkdir(parents=True, exist_ok=True)
    NO_MAIN_CLUSTER.write_text(
        "# written by rumah infra: its PostgreSQL lives in var/\ncreate_main_cluster = false\n"
    )


def run_as(settings: InfraSettings) -> tuple[list[str], tuple[int, int] | None]:
    """(command prefix, (uid, gid)) to run PostgreSQL's programs as a non-root user."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam(settings.postgres_os_user)
    except KeyError:
        raise EngineError(
            "postgres",
            f"PostgreSQL refuses to run as root and there is no OS user "
            f"{settings.postgres_os_user!r} (Debian's package creates `postgres`; or "
            "`useradd --system postgres`, or set RUMAH_POSTGRES_OS_USER)",
        ) from None
    setpriv = require_tool("postgres", "setpriv", "running PostgreSQL as a non-root user")
    prefix = [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--"]
    return prefix, (user.pw_uid, user.pw_gid)


def _check_reachable(path: Path, owner: tuple[int, int]) -> None:
    """The server's user must be able to walk down to its data directory."""
    for parent in reversed(path.parents):
        st = parent.stat()
        if st.st_uid != owner[0] and not st.st_mode & 0o001:
            raise EngineError(
                "postgres",
                f"{parent} is not searchable by the PostgreSQL OS user (uid {owner[0]}); "
                f"`chmod o+x {parent}` or choose another RUMAH_VAR_DIR",
            )


def password(settings: InfraSettings) -> str:
    """The role's password: the setting, else the one generated at the first initdb."""
    if settings.postgres_password is not None:
        return settings.postgres_password.get_secret_value()
    kept = home(settings) / "password"
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.touch(mode=0o600)
        kept.write_text(secrets.token_urlsafe(24))
    return kept.read_text().strip()


def postgres_url(settings: InfraSettings, database: str = "ferretdb") -> str:
    """What FerretDB connects with (it holds the password: keep it out of argv and logs)."""
    user, secret = quote(settings.postgres_user, safe=""), quote(password(settings), safe="")
    return f"postgres://{user}:{secret}@127.0.0.1:{settings.postgres_port}/{database}"


async def prepare_postgres(settings: InfraSettings) -> list[str]:
    """Install (first time), initdb (first time) and return the server's argv."""
    binaries = await ensure_installed(settings)
    prefix, owner = run_as(settings)
    data, run = data_dir(settings), home(settings) / "run"
    for directory in (data, run):
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        if owner is not None:
            os.chown(directory, *owner)
    if owner is not None:
        _check_reachable(data, owner)
    if not (data / "PG_VERSION").exists():
        pwfile = home(settings) / f".pwfile-{uuid.uuid4().hex}"
        pwfile.touch(mode=0o600)
        try:
            pwfile.write_text(password(settings) + "\n")
            if owner is not None:
                os.chown(pwfile, *owner)
            await run_tool(
                "postgres",
                [
                    *prefix,
                    str(binaries / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    settings.postgres_user,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                ],
            )
        finally:
            pwfile.unlink(missing_ok=True)
    return [
        *prefix,
        str(binaries / "postgres"),
        "-D",
        str(data),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        f"port={settings.postgres_port}",
        "-c",
        f"unix_socket_directories={run}",
        # Modest: one machine shares its memory with Kafka and the hub.
        "-c",
        "shared_buffers=128MB",
        "-c",
        "max_connections=200",
        # FerretDB 1.24 sends its filters as prepared statements with the field name as a
        # parameter (`_jsonb->$1 @> $2`); a generic plan cannot match an expression index on
        # `_jsonb->'_id'`, so every lookup by _id would read the whole table.
        "-c",
        "plan_cache_mode=force_custom_plan",
    ]


async def psql(settings: InfraSettings, sql: str, database: str = "postgres") -> str:
    """Run ``sql`` through psql over TCP as the hub's role; return its unaligned output."""
    binaries = bin_dir(settings)
    if binaries is None:
        raise EngineError("postgres", "PostgreSQL is not installed (`rumah infra up` installs it)")
    return await run_tool(
        "postgres",
        [
            str(binaries / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(settings.postgres_port),
            "-U",
            settings.postgres_user,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-X",
            "-q",
            "-tA",
            "-c",
            sql,
        ],
        env={"PGPASSWORD": password(settings), "PGCONNECT_TIMEOUT": "5"},
        timeout_s=30,
    )


async def probe_postgres(settings: InfraSettings) -> None:
    """Write a row and read it back (a temporary table: nothing is left behind)."""
    token = uuid.uuid4().hex
    out = await psql(
        settings,
        f"CREATE TEMP TABLE rumah_probe(t text); INSERT INTO rumah_probe VALUES ('{token}'); "
        "SELECT t FROM rumah_probe;",
    )
    if out.strip() != token:
        raise EngineError("postgres", f"wrote {token}, read back {out.strip()!r}")


async def postgres_version(settings: InfraSettings) -> str:
    out = (await psql(settings, "SHOW server_version")).strip()
    match = re.match(r"[\d.]+", out)
    return match.group(0) if match else out


async def ensure_database(settings: InfraSettings, database: str = "ferretdb") -> None:
    """Create FerretDB's database on the server once; give its tables the ``_id`` index."""
    exists = await psql(settings, f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    if exists.strip() != "1":
        await psql(settings, f'CREATE DATABASE "{database}"')
    await psql(settings, ID_LOOKUP_INDEX, database=database)


# FerretDB 1.24 finds a document by _id with `_jsonb->'_id' @> '"…"'`, which its own btree
# index on `_jsonb->'_id'` cannot serve: every find_one / update_one by _id read the whole
# table (measured: 1,072 updates/s at 200 documents, 131/s at 20,000). A GIN index on the
# same expression serves `@>`; FerretDB creates tables when a collection first appears, so
# an event trigger adds the index to each new table that holds documents (and this block to
# the tables already there). FerretDB does not know the index: it lists and drops only its
# own, and dropping the collection drops the table with it. See docs/mongodb-compat.md.
ID_LOOKUP_INDEX = """
CREATE OR REPLACE FUNCTION rumah_id_lookup_index(tbl oid) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE name text;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = '_jsonb'
             AND NOT attisdropped) THEN
    SELECT left(relname, 52) || '_id_lookup' INTO name FROM pg_class WHERE oid = tbl;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb->''_id'') '
                   'jsonb_path_ops)', name, tbl::regclass);
  END IF;
END $f$;
CREATE OR REPLACE FUNCTION rumah_id_lookup_on_create() RETURNS event_trigger
LANGUAGE plpgsql AS $f$
DECLARE obj record;
BEGIN
  FOR obj IN SELECT objid FROM pg_event_trigger_ddl_commands()
             WHERE command_tag = 'CREATE TABLE' AND object_type = 'table' LOOP
    PERFORM rumah_id_lookup_index(obj.objid);
  END LOOP;
END $f$;
DROP EVENT TRIGGER IF EXISTS rumah_id_lookup;
CREATE EVENT TRIGGER rumah_id_lookup ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION rumah_id_lookup_on_create();
SELECT count(rumah_id_lookup_index(c.oid)) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema');
"""
