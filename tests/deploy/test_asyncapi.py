"""schemas/asyncapi.json: current, valid AsyncAPI 3.0, one channel per topic of the code."""

from __future__ import annotations

import json
from pathlib import Path

from services import asyncapi
from services.catalog import CATALOG
from tests.deploy.conftest import ROOT, DeployTools
from tests.deploy.test_compose import check_jsonschema

DOC = ROOT / "schemas" / "asyncapi.json"


def test_committed_asyncapi_document_is_current() -> None:
    assert not asyncapi.is_stale(DOC), "schemas/asyncapi.json is stale: run `make schemas`"


def test_a_stale_document_is_noticed(tmp_path: Path) -> None:
    stale = tmp_path / "asyncapi.json"
    stale.write_text(DOC.read_text().replace('"receive"', '"send"', 1))
    assert asyncapi.is_stale(stale)
    assert asyncapi.is_stale(tmp_path / "missing.json")


def test_document_is_valid_asyncapi_3(deploy_tools: DeployTools) -> None:
    proc = check_jsonschema(deploy_tools.path("schemas/asyncapi-3.0.0.json"), DOC)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_invalid_document_is_refused(deploy_tools: DeployTools, tmp_path: Path) -> None:
    broken = json.loads(DOC.read_text())
    first = next(iter(broken["operations"].values()))
    first["action"] = "listen"
    path = tmp_path / "asyncapi.json"
    path.write_text(json.dumps(broken))
    proc = check_jsonschema(deploy_tools.path("schemas/asyncapi-3.0.0.json"), path)
    assert proc.returncode == 1, proc.stdout


def test_every_topic_and_event_type_is_described() -> None:
    doc = json.loads(DOC.read_text())
    topics = set()
    for entry in CATALOG:
        spec = getattr(entry.load(), "SPEC", None)
        if spec is not None:
            topics |= {spec.topic(f) for f in spec.event_families}
    topics.add("rumah.gateway.access")  # the gateway's access records
    assert set(doc["channels"]) == topics
    types = {p.name.removesuffix(".schema.json") for p in (ROOT / "schemas/events").glob("*")}
    assert set(doc["components"]["messages"]) == types - {"cloudevent"}
    for name, channel in doc["channels"].items():
        assert channel["address"] == name and channel["messages"]
        for ref in channel["messages"].values():
            assert ref["$ref"].split("/")[-1] in doc["components"]["messages"]
    for op in doc["operations"].values():
        assert op["channel"]["$ref"].split("/")[-1] in doc["channels"]
