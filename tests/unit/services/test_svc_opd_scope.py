"""The OPD-limited view a principal with an OPD reads collections through."""

# ruff: noqa: E501 - assertions read best on one line

from __future__ import annotations

from pathlib import Path

import pytest

from services.kit.opd_scope import OpdView, opd_field_of
from services.kit.store.sqlite import SqliteDocumentStore
from services.licensing.bootstrap import SPEC as LICENSING
from services.personnel.bootstrap import SPEC as PERSONNEL
from services.registry.bootstrap import SPEC as REGISTRY


def test_each_collection_names_its_opd_field_or_belongs_to_the_service() -> None:
    assert opd_field_of(PERSONNEL, "employee") == "opd"
    assert opd_field_of(PERSONNEL, "assignment") is None  # BKD's own records
    assert opd_field_of(REGISTRY, "application") == "owner_opd"
    assert opd_field_of(LICENSING, "permit") is None  # every permit is DPMPTSP's


@pytest.fixture
async def employees(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    await store.start()
    coll = store.collection("employee")
    for n, opd in enumerate(["BKD", "BKD", "BPKD", "DPMPTSP"]):
        await coll.put({"_id": f"e{n}", "opd": opd}, expected_version=0)
    yield coll
    await store.stop()


async def test_a_view_holds_only_its_opds_records(employees) -> None:  # type: ignore[no-untyped-def]
    view = OpdView(employees, "opd", "BKD", "BKD")
    assert [d["_id"] for d in (await view.find()).items] == ["e0", "e1"]
    assert (await view.find({"opd": "BPKD"})).items == []  # asking for another OPD: nothing
    assert [d["_id"] for d in (await view.find({"opd": {"$in": ["BKD", "X"]}})).items] == [
        "e0",
        "e1",
    ]
    assert await view.get("e2") is None and (await view.get("e0") or {}).get("opd") == "BKD"
    assert set(await view.get_many(["e0", "e2", "e3"])) == {"e0"}
    assert await view.count() == 2
    with pytest.raises(AttributeError, match="read-only"):
        view.put  # noqa: B018 - writing through a view is impossible


async def test_without_an_opd_field_the_service_opd_decides_all_or_nothing(employees) -> None:  # type: ignore[no-untyped-def]
    own = OpdView(employees, None, "BKD", "BKD")
    assert len((await own.find()).items) == 4
    other = OpdView(employees, None, "BPKD", "BKD")
    assert (await other.find()).items == [] and await other.get("e0") is None
