"""Data and subgraphs shared by the ``authorization`` scenarios (tokens and anonymous)."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Subgraph
from tests.federation.harness.subgraph import by_key

RECORDS = {
    "r1": {"id": "r1", "title": "Izin usaha Toko Sinar", "riskScore": 3, "officer": "n1"},
    "r2": {"id": "r2", "title": "IMB Kantor Camat", "riskScore": None, "officer": None},
}
OFFICERS = {"n1": {"nip": "n1", "name": "Budi"}}


def _record(r: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Record", "id": r["id"], "title": r["title"], "riskScore": r["riskScore"]}


def _people_record(rep: dict[str, Any]) -> dict[str, Any] | None:
    stored = RECORDS.get(rep["id"])
    if stored is None:
        return None
    officer = stored["officer"]
    return {
        "__typename": "Record",
        "id": rep["id"],
        "officer": None if officer is None else {"__typename": "Officer", **OFFICERS[officer]},
    }


def _flag(record: dict[str, Any], _info: Any) -> str:
    return f"checked: {record['title']}"


def subgraphs(directory: str, first_port: int) -> list[Subgraph]:
    """The three subgraphs, their SDL files in ``directory`` (relative to the scenario)."""
    return [
        Subgraph(
            "records",
            first_port,
            f"{directory}records.graphql",
            resolvers={
                "Query": {
                    "notice": lambda *_: "Layanan buka 08.00",
                    "me": lambda *_: "signed in",
                    "records": lambda *_: [_record(r) for r in RECORDS.values()],
                    "record": lambda _s, _i, id: _record(RECORDS[id]) if id in RECORDS else None,
                }
            },
            references={"Record": by_key({k: _record(r) for k, r in RECORDS.items()}, "id")},
        ),
        Subgraph(
            "people",
            first_port + 1,
            f"{directory}people.graphql",
            references={"Record": _people_record, "Officer": by_key(OFFICERS, "nip")},
        ),
        Subgraph(
            "audit",
            first_port + 2,
            f"{directory}audit.graphql",
            resolvers={"Record": {"flag": _flag}},
            references={
                "Record": lambda rep: {
                    **rep,
                    "riskScore": RECORDS[rep["id"]]["riskScore"] if rep["id"] in RECORDS else None,
                }
            },
        ),
    ]
