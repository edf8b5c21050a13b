"""docs/wrap-an-opd-application.md must work as written: its code blocks are extracted,
installed as ``services.assets`` in a temporary directory, and run end to end."""

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import services
from services.kit.backends import BackendSettings, open_backends
from services.kit.envelope import ENVELOPE_SCHEMA, SCHEMA_DIR, load_schemas
from services.kit.graphql.context import RequestContext
from services.kit.graphql.schema import build_schema, subgraph_sdl
from services.kit.runtime import build_runtime
from services.kit.settings import ServiceSettings
from services.kit.simulator.core import Simulator
from services.kit.testing import pending_events

DOC = Path(__file__).resolve().parents[3] / "docs" / "wrap-an-opd-application.md"
BLOCK = re.compile(r"```(?:python|json)\n(?:#|//) ((?:services|schemas)/\S+)\n(.*?)```", re.S)


@pytest.fixture
def example(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 7, [p for p, _ in blocks]
    schemas = tmp_path / "schemas" / "events"
    schemas.mkdir(parents=True)
    shutil.copy(SCHEMA_DIR / ENVELOPE_SCHEMA, schemas / ENVELOPE_SCHEMA)
    for path, body in blocks:
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    for pkg in ("services/assets", "services/assets/upstream"):
        (tmp_path / pkg / "__init__.py").touch()
    services.__path__.append(str(tmp_path / "services"))
    try:
        from services.assets.bootstrap import SPEC

        yield SPEC, schemas
    finally:
        services.__path__.remove(str(tmp_path / "services"))
        for name in [m for m in sys.modules if m.startswith("services.assets")]:
            del sys.modules[name]


async def test_the_worked_example_runs_as_documented(
    example: tuple[Any, Path], tmp_path: Path
) -> None:
    spec, schema_dir = example
    sdl = subgraph_sdl(build_schema(spec))
    assert 'type Asset @key(fields: "id")' in sdl and "assetsSyncStatus: SyncStatus!" in sdl
    sim = Simulator(spec.workflow, seed=1)
    settings = ServiceSettings(backends=BackendSettings(data_dir=tmp_path / "data"))
    async with open_backends(settings.backends, db="assets") as (store, log):
        rt = build_runtime(spec, settings, store, log, schemas=load_schemas(schema_dir))
        await rt.prepare()
        await rt.ingest("kib", list(sim.table("kib").records.values()))
        [(_, changed)] = sim.act("rusak")
        result = await rt.ingest("kib", [changed, changed])
        assert result.applied == 1 and result.duplicates == 1
        rid = changed["kode_register"]
        events = [e for e in await pending_events(store) if e["subject"] == rid]
        assert [e["data"]["to"] for e in events] == ["good", "damaged"]
        assert events[-1]["type"] == "id.go.serdangbedagaikab.assets.asset.condition_changed"
        q = (
            "query($id: ID!) { asset(id: $id) { condition acquisitionValue } "
            "assets(first: 2) { items { id } } }"
        )
        res = await build_schema(spec).execute(
            q, variable_values={"id": rid}, context_value=RequestContext(rt)
        )
        assert res.errors is None and res.data is not None
        assert res.data["asset"]["condition"] == "DAMAGED"
        assert len(res.data["assets"]["items"]) == 2
