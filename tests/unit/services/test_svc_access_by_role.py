"""Rumah's own graph, per role, through the production gateway (licensing, personnel and the
ledger on the embedded adapters): the scope catalogue decides which fields come back,
personal data needs personal:read, and an integrator reads only its own OPD's records —
enforced by the subgraphs from the signed credential."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import orjson
from graphql import OperationDefinitionNode, parse

from gateway.auth import Principal
from gateway.auth.authorize import filter_operation
from gateway.request.state import build_state
from services.kit.scopes import PERSONAL, ROLE_SCOPES
from services.kit.testing import eventually
from tests.unit.ledger.test_ledger_through_gateway import hub


def _token(role: str, opd: str | None = None, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    entry: dict[str, Any] = {"role": role, "scopes": sorted({*ROLE_SCOPES[role], *extra})}
    if opd:
        entry["opd"] = opd
    return entry


TOKENS = orjson.dumps(
    {
        "audit-token": _token("auditor"),
        "operator-token": _token("operator"),
        "dpmptsp-token": _token("integrator", "DPMPTSP"),
        "bkd-token": _token("integrator", "BKD", (PERSONAL,)),
        "bkd-plain-token": _token("integrator", "BKD"),
    }
).decode()
EMPLOYEES = "{ employees(first: 200) { items { nip name rank opd } } }"
PERMITS = "{ permitApplications(first: 5) { items { id applicant status } } }"


async def test_each_role_sees_what_its_scopes_and_opd_allow(tmp_path: Path) -> None:
    async with hub(tmp_path, tokens=TOKENS) as h:

        async def ask(query: str, token: str, **variables: Any) -> Any:
            async with h.http.post(
                h.gateway,
                json={"query": query, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            ) as r:
                return r.status, await r.json()

        async def synced() -> bool:
            _, body = await ask(EMPLOYEES, "audit-token")
            return len((body.get("data") or {}).get("employees", {}).get("items", [])) > 50

        await eventually(synced, timeout_s=120, what="personnel's initial sync")

        # auditor: everything, personal data included, every OPD
        _, body = await ask(EMPLOYEES, "audit-token")
        items = body["data"]["employees"]["items"]
        assert "errors" not in body and all(i["name"] and i["nip"] for i in items)
        assert len({i["opd"] for i in items}) > 3

        # integrator of BKD with personal:read: only BKD's employees, names included
        _, body = await ask(EMPLOYEES, "bkd-token")
        items = body["data"]["employees"]["items"]
        assert items and {i["opd"] for i in items} == {"BKD"} and all(i["name"] for i in items)

        # integrator of DPMPTSP without personal:read: no names — withheld with an error at
        # the path (name is non-null, so its null propagates up as a subgraph's would)
        with_names = "{ employees(first: 200) { items { rank opd name } } }"
        _, body = await ask(with_names, "dpmptsp-token")
        assert body["data"] is None
        unauthorized = [
            e
            for e in body["errors"]
            if e.get("extensions", {}).get("code") == "UNAUTHORIZED_FIELD_OR_TYPE"
        ]
        assert unauthorized and unauthorized[0]["path"][-1] == "name"
        # ...and its own OPD's employees only
        _, body = await ask("{ employees(first: 200) { items { rank opd } } }", "dpmptsp-token")
        assert {i["opd"] for i in body["data"]["employees"]["items"]} == {"DPMPTSP"}
        # ...and paging one at a time does not spell out their NIPs in the cursors
        page = "query($a: String) { employees(first: 1, after: $a) { items { rank } nextCursor } }"
        cursors, after = [], None
        for _ in range(3):
            _, body = await ask(page, "dpmptsp-token", a=after)
            after = body["data"]["employees"]["nextCursor"]
            cursors.append(after)
        nips = {
            i["nip"] for i in (await ask(EMPLOYEES, "audit-token"))[1]["data"]["employees"]["items"]
        }
        for cursor in cursors:
            decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            assert not any(n in cursor or n.encode() in decoded for n in nips)
        # ...nor do the ledger's employee events show them
        moves = (
            '{ history(filter: {service: "personnel"}, first: 20) {'
            " edges { node { entityId event { data withheld } } } } }"
        )
        _, body = await ask(moves, "dpmptsp-token")
        assert not any(n in orjson.dumps(body).decode() for n in nips)
        # ...nor to BKD's integrator without personal:read, whose OPD publishes them
        moves = moves.replace("entityId", "entityId subject { ... on Employee { nip } }")

        async def chained() -> Any:
            _, body = await ask(moves, "bkd-plain-token")
            return body if (body.get("data") or {}).get("history", {}).get("edges") else None

        body = await eventually(
            chained, timeout_s=60, interval_s=0.5, what="employee events in the ledger"
        )
        nodes = [e["node"] for e in body["data"]["history"]["edges"]]
        assert all(n["entityId"] is None and "nip" in n["event"]["withheld"] for n in nodes)
        assert all(n["subject"] is None for n in nodes)  # Employee.nip: withheld by the gateway
        codes = [(e["path"][-1], e.get("extensions", {}).get("code")) for e in body["errors"]]
        unauthorized = [path for path, code in codes if code == "UNAUTHORIZED_FIELD_OR_TYPE"]
        assert "nip" in unauthorized and "entityId" in unauthorized
        assert not any(n in orjson.dumps(body).decode() for n in nips)
        # permits are DPMPTSP's records: visible, the applicant's name is not
        _, body = await ask(
            "{ permitApplications(first: 5) { items { id status } } }", "dpmptsp-token"
        )
        assert len(body["data"]["permitApplications"]["items"]) == 5
        _, body = await ask(PERMITS, "dpmptsp-token")
        assert body["data"] is None and body["errors"][0]["path"][-1] == "applicant"
        # ...and not BKD's
        _, body = await ask("{ permitApplications(first: 5) { items { id status } } }", "bkd-token")
        assert body["data"]["permitApplications"]["items"] == []

        # operator: sync status yes, personnel records no (refused before any subgraph)
        sync = "{ licensingSyncStatus { service upstreamReachable } }"
        _, body = await ask(sync, "operator-token")
        assert body["data"]["licensingSyncStatus"]["service"] == "licensing"
        _, body = await ask(EMPLOYEES, "operator-token")
        assert "data" not in body
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
        # the ledger: operators verify, integrators read their OPD's entries only
        _, body = await ask("{ ledgerHead { seq } }", "operator-token")
        assert body["data"]["ledgerHead"]["seq"] >= 0
        history = "{ history(first: 50) { edges { node { event { opd } } } } }"
        _, body = await ask(history, "bkd-token")
        assert {e["node"]["event"]["opd"] for e in body["data"]["history"]["edges"]} <= {"BKD"}

        # who read this employee's data? every read left an access record on the log, the
        # ledger chained it, and auditors (access:read) find the readers through the gateway
        bkd = (await ask(EMPLOYEES, "bkd-token"))[1]["data"]["employees"]["items"][0]["nip"]
        one = "query($n: ID!) { employee(nip: $n) { name } }"
        assert (await ask(one, "audit-token", n=bkd))[1]["data"]["employee"]["name"]
        # a read that leaves the key out is recorded too (the gateway fetches the keys)
        _, body = await ask("{ employees(first: 200) { items { rank } } }", "bkd-plain-token")
        assert body["data"]["employees"]["items"] and "errors" not in body
        readers = (
            "query($e: String) { history(filter: {reads: $e}, first: 50) { edges {"
            " node { seq hash event { subject data } } } } }"
        )

        async def recorded() -> set[str]:
            _, found = await ask(readers, "audit-token", e=f"Employee:{bkd}")
            subjects = {e["node"]["event"]["subject"] for e in found["data"]["history"]["edges"]}
            wanted = {"static-token-1", "static-token-4", "static-token-5"}
            return subjects if wanted <= subjects else set()

        # the auditor (by argument), the BKD integrator (the list it read carried the NIP) and
        # the one without personal:read (its list did not, the plan fetched it for the record)
        await eventually(recorded, timeout_s=60, what="both readers' access records chained")
        _, found = await ask(readers, "audit-token", e=f"Employee:{bkd}")
        data = found["data"]["history"]["edges"][0]["node"]["event"]["data"]
        assert data["operation"]["type"] == "query" and "personnel" in data["subgraphs"]
        # and only with access:read: integrators neither find them nor see them in history
        _, body = await ask(readers, "bkd-token", e=f"Employee:{bkd}")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        everything = "{ history(first: 500) { edges { node { event { type } } } } }"
        _, body = await ask(everything, "bkd-token")
        types = {e["node"]["event"]["type"] for e in body["data"]["history"]["edges"]}
        assert not any(t.endswith("gateway.access.recorded") for t in types)


def test_a_nip_lookup_needs_personal_read_or_it_would_confirm_which_nips_exist() -> None:
    """Attack: an integrator without personal:read asks ``employee(nip: $n) { rank }`` for
    NIPs it guesses or got elsewhere — the answer (a record or null) confirms that the NIP
    exists and ties rank, status and OPD to the person. Looking up by NIP is reading the NIP
    (like the ledger's ``entityId`` filter): the root field needs personal:read."""
    supergraph = (Path(__file__).parents[3] / "schemas" / "supergraph.graphql").read_text()
    state = build_state(supergraph, lambda _s: None)  # type: ignore[arg-type, return-value]
    rules = state.authorization
    lookup = "query($n: ID!) { employee(nip: $n) { rank status opd } }"
    document = parse(lookup)
    [operation] = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    for token in ("bkd-plain-token", "dpmptsp-token"):
        entry = orjson.loads(TOKENS)[token]
        who = Principal(token, frozenset({entry["role"]}), frozenset(entry["scopes"]), entry["opd"])
        filtered = filter_operation(
            state.supergraph.api_schema, operation, {}, rules, rules.grants(who)
        )
        assert filtered is not None and filtered.empty, token  # refused before personnel
        assert filtered.unauthorized == (("employee",),)
    entry = orjson.loads(TOKENS)["bkd-token"]  # with personal:read: the lookup stays
    who = Principal("bkd", frozenset({"integrator"}), frozenset(entry["scopes"]), "BKD")
    assert (
        filter_operation(state.supergraph.api_schema, operation, {}, rules, rules.grants(who))
        is None
    )
