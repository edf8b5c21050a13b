"""FerretDB 1.24: the MongoDB-compatible store on the local machine, on SQLite files or on
the PostgreSQL that ``rumah infra`` runs (``RUMAH_FERRETDB_BACKEND``)."""

from __future__ import annotations

import uuid
from pathlib import Path

from infra.errors import EngineError
from infra.ferretdb_build import ensure_ferretdb
from infra.settings import InfraSettings

HEALTH_DB = "rumah_infra"
POSTGRES_POOL = 150  # connections FerretDB may open to PostgreSQL


def data_dir(settings: InfraSettings) -> Path:
    return settings.var_dir / "ferretdb" / "data"


async def prepare_ferretdb(settings: InfraSettings) -> tuple[list[str], dict[str, str]]:
    """Build FerretDB if needed; return its argv and the environment variables it needs."""
    binary = await ensure_ferretdb(settings)
    data = data_dir(settings)
    data.mkdir(parents=True, exist_ok=True)
    host, port = settings.mongo_address
    common = [
        str(binary),
        "-listen-addr",
        f"{host}:{port}",
        "-log-level",
        settings.ferretdb_log_level,
    ]
    if settings.ferretdb_backend == "postgresql":
        from infra.postgres_engine import ensure_database, postgres_url

        await ensure_database(settings)
        # The URL holds the password: the environment, not argv (`ps` shows argv to all).
        # FerretDB's own pool (50 by default) is what a burst of concurrent updates can
        # exhaust for good: each update holds one connection for its read and waits for a
        # second to write. PostgreSQL runs with max_connections=200 (postgres_engine).
        url = f"{postgres_url(settings)}?pool_max_conns={POSTGRES_POOL}"
        env = {"FERRETDB_POSTGRESQL_URL": url}
        return [*common, "-handler", "postgresql", "-instance", str(data.parent)], env
    # FerretDB wants a SQLite URI naming a directory, with the trailing slash.
    return [*common, "-handler", "sqlite", "-sqlite-url", f"file:{data}/"], {}


async def probe_ferretdb(url: str, timeout_s: float = 10.0) -> None:
    """Insert one document and find it again; raise if the store can't."""
    from pymongo import AsyncMongoClient

    ms = int(timeout_s * 1000)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        url, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, timeoutMS=ms
    )
    try:
        health = client[HEALTH_DB]["health"]
        token = uuid.uuid4().hex
        await health.insert_one({"_id": token, "probe": True})
        found = await health.find_one({"_id": token})
        if found is None:
            raise EngineError("ferretdb", f"inserted {token} but could not find it again")
        await health.delete_one({"_id": token})
    finally:
        await client.close()


async def ferretdb_build_info(url: str, timeout_s: float = 5.0) -> dict[str, object]:
    """The running server's ``buildInfo`` (FerretDB adds ``ferretdbVersion``)."""
    from pymongo import AsyncMongoClient

    ms = int(timeout_s * 1000)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        url, serverSelectionTimeoutMS=ms, timeoutMS=ms
    )
    try:
        return dict(await client.admin.command("buildInfo"))
    finally:
        await client.close()
