"""The ledger service end to end on the embedded adapters: consume every status topic, DLQ
malformed records, checkpoints on the anchor topic, the subgraph over HTTP and
graphql-transport-ws, and who may see what."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from services.kit.envelope import encode
from services.kit.ports import DocumentStore, EventLog, StartAt
from services.kit.testing import eventually, scrape_metrics
from services.ledger.settings import LedgerSettings
from services.ledger.testing import mutation_event, permit_event, topic_of
from tests.unit.ledger.ledger_client import KEYS, as_, running_ledger

ENTRY = (
    "seq hash prevHash event { id type opd data } positions { id } subject { __typename "
    "... on PermitApplication { id } ... on Employee { nip } }"
)
HISTORY = (
    "query($f: LedgerFilter, $after: String, $first: Int!) {"
    " history(filter: $f, after: $after, first: $first) {"
    " edges { cursor node { " + ENTRY + " } } pageInfo { endCursor hasNextPage } head } }"
)
CHANGES = (
    "subscription($f: LedgerFilter, $since: String) {"
    " changes(filter: $f, since: $since) { " + ENTRY + " } }"
)
AUDITOR = as_("auditor")
INTEGRATOR = as_("integrator", opd="DISKOMINFO")


async def publish(log: EventLog, prefix: str, events: list[dict[str, Any]]) -> None:
    for ev in events:
        await log.publish(topic_of(ev, prefix), ev["subject"], encode(ev))


def mixed(start: int, stop: int) -> list[dict[str, Any]]:
    return [
        mutation_event(n)
        if n % 4 == 0
        else permit_event(n, opd="DISKOMINFO" if n % 2 == 0 else "DPMPTSP")
        for n in range(start, stop)
    ]


async def test_every_status_topic_is_appended_and_malformed_records_are_dead_lettered(
    settings: LedgerSettings, backends: tuple[DocumentStore, EventLog]
) -> None:
    _, log = backends
    prefix = settings.topic_prefix
    await publish(log, prefix, mixed(0, 20))
    await log.publish(f"{prefix}.licensing.permit", "x", b"{not an event")
    async with running_ledger(settings) as ledger:
        await ledger.wait_head(20)
        await publish(log, prefix, mixed(20, 30) + mixed(0, 5))  # five redelivered
        await ledger.wait_head(30)
        status = (await ledger.get("/ledger/status"))[1]
        assert status["deadLettered"] == 1
        db = ("ledger", settings.db)
        dropped = ("rumah_ledger_duplicates_dropped_total", frozenset({db}))

        async def redelivered_seen() -> bool:  # they may be handled after head 30
            return (await scrape_metrics(ledger.http, ledger.url))[dropped] >= 5

        await eventually(redelivered_seen, timeout_s=10, what="the five duplicates dropped")
        metrics = await scrape_metrics(ledger.http, ledger.url)
        assert metrics[dropped] == 5
        assert metrics[("rumah_ledger_head_seq", frozenset({db}))] == 30
        assert metrics[("rumah_ledger_dead_lettered_total", frozenset({db}))] == 1
        assert metrics[("rumah_dependency_up", frozenset({db, ("dependency", "log")}))] == 1
        assert f"{prefix}.licensing.permit" in status["topics"]
        assert not any(t.endswith((".dlq", ".anchor")) for t in status["topics"])
        result = await ledger.data("{ ledgerVerification { ok checked } }", AUDITOR)
        assert result["ledgerVerification"] == {"ok": True, "checked": 30}

        async def anchored() -> list[dict[str, Any]]:
            async with log.subscribe([settings.anchor], start=StartAt.earliest()) as sub:
                return [orjson.loads(r.value) for r in await sub.poll(100, 0.2)]

        anchors = await eventually(anchored, what="a checkpoint on the anchor topic")
        assert anchors[-1]["ledger"] == settings.db and anchors[-1]["seq"] <= 30
    async with log.subscribe([f"{prefix}.licensing.permit.dlq"]) as sub:
        [letter] = await sub.poll(10, 1.0)
    assert "invalid event" in orjson.loads(letter.value)["reason"]
    await asyncio.sleep(0)


async def test_history_pages_filters_and_resolves_subject_references(
    settings: LedgerSettings, backends: tuple[DocumentStore, EventLog]
) -> None:
    _, log = backends
    await publish(log, settings.topic_prefix, mixed(0, 40))
    async with running_ledger(settings) as ledger:
        await ledger.wait_head(40)
        seen, after = [], None
        while True:
            page = (
                await ledger.data(
                    HISTORY, AUDITOR, f={"entityType": "permit"}, after=after, first=7
                )
            )["history"]
            seen += [e["node"]["seq"] for e in page["edges"]]
            after = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                break
        everything = (await ledger.data(HISTORY, AUDITOR, first=100))["history"]["edges"]
        permits = [
            e["node"]["seq"]
            for e in everything
            if e["node"]["subject"]["__typename"] == "PermitApplication"
        ]
        assert seen == permits and len(seen) == 30  # the ledger's order: consumption order
        one = await ledger.data(HISTORY, AUDITOR, f={"position": "JAB-BKD-0003"}, first=1)
        node = one["history"]["edges"][0]["node"]
        assert node["subject"] == {"__typename": "Employee", "nip": node["event"]["data"]["nip"]}
        assert {"id": "JAB-BKD-0003"} in node["positions"]
        permit = await ledger.data(HISTORY, AUDITOR, f={"service": "licensing"}, first=1)
        subject = permit["history"]["edges"][0]["node"]["subject"]
        assert subject["__typename"] == "PermitApplication" and subject["id"].startswith("503/")


async def test_an_integrator_sees_only_its_own_opd_and_operators_no_entries(
    settings: LedgerSettings, backends: tuple[DocumentStore, EventLog]
) -> None:
    _, log = backends
    await publish(log, settings.topic_prefix, mixed(0, 12))
    async with running_ledger(settings) as ledger:
        await ledger.wait_head(12)
        page = await ledger.data(HISTORY, INTEGRATOR, first=100)
        assert {e["node"]["event"]["opd"] for e in page["history"]["edges"]} == {"DISKOMINFO"}
        other = await ledger.graphql(HISTORY, INTEGRATOR, f={"opd": "DPMPTSP"}, first=5)
        assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        operator = await ledger.graphql(HISTORY, as_("operator"), first=5)
        assert operator["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        checked = await ledger.data("{ ledgerVerification { ok } }", as_("operator"))
        assert checked["ledgerVerification"]["ok"]
        no_opd = await ledger.graphql(HISTORY, as_("integrator"), first=5)
        assert no_opd["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # no way around the gateway: no credential, or a principal merely claimed in headers
        for headers in ({}, {"X-Rumah-Role": "auditor"}, KEYS.headers("licensing")):
            async with ledger.http.post(
                f"{ledger.url}/graphql", json={"query": HISTORY}, headers=headers
            ) as r:
                assert r.status == 401


PERSONAL_ENTRY = (
    "query($f: LedgerFilter) { history(filter: $f, first: 5) { edges { node {"
    " entityId event { type subject data withheld } } } } }"
)


async def test_personal_data_in_entries_needs_personal_read(
    settings: LedgerSettings, backends: tuple[DocumentStore, EventLog]
) -> None:
    """An employee's events carry the NIP (subject) and name: withheld from a principal
    without personal:read, as the gateway withholds Employee.nip and name."""
    _, log = backends
    await publish(log, settings.topic_prefix, [mutation_event(1), permit_event(2, opd="BKD")])
    async with running_ledger(settings) as ledger:
        await ledger.wait_head(2)
        nip = mutation_event(1)["subject"]
        full = await ledger.data(PERSONAL_ENTRY, AUDITOR, f={"service": "personnel"})
        [node] = [e["node"] for e in full["history"]["edges"]]
        assert node["entityId"] == node["event"]["subject"] == nip
        assert node["event"]["data"]["name"] == "Pegawai 1" and node["event"]["withheld"] == []

        bkd = as_("integrator", opd="BKD")  # ledger:read, no personal:read
        body = await ledger.graphql(PERSONAL_ENTRY, bkd, f={"service": "personnel"})
        [node] = [e["node"] for e in body["data"]["history"]["edges"]]
        assert node["entityId"] is None and node["event"]["subject"] is None
        data = node["event"]["data"]
        assert data["nip"] is None and data["name"] is None and data["opd"] == "DPMPTSP"
        assert node["event"]["withheld"] == ["name", "nip"]
        assert nip not in orjson.dumps(body).decode()
        codes = {e["extensions"]["code"] for e in body["errors"]}
        assert codes == {"UNAUTHORIZED_FIELD_OR_TYPE"}
        assert sorted(e["path"][-1] for e in body["errors"]) == ["entityId", "subject"]

        # the same integrator with personal:read sees them; a permit never hides anything
        scopes = {"ledger:read", "personal:read"}
        seen = await ledger.data(
            PERSONAL_ENTRY, as_("integrator", opd="BKD", scopes=scopes), f={"service": "personnel"}
        )
        assert seen["history"]["edges"][0]["node"]["entityId"] == nip
        permit = await ledger.data(PERSONAL_ENTRY, bkd, f={"service": "licensing"})
        node = permit["history"]["edges"][0]["node"]
        assert node["entityId"] and node["event"]["withheld"] == []

        # filtering by a NIP does not confirm that it exists without personal:read...
        by_nip = await ledger.data(PERSONAL_ENTRY, bkd, f={"entityId": nip})
        assert by_nip["history"]["edges"] == []
        seen = await ledger.data(
            PERSONAL_ENTRY, as_("integrator", opd="BKD", scopes=scopes), f={"entityId": nip}
        )
        assert [e["node"]["entityId"] for e in seen["history"]["edges"]] == [nip]
        # ...while a permit is still found by its number
        by_id = await ledger.data(PERSONAL_ENTRY, bkd, f={"entityId": node["entityId"]})
        assert [e["node"]["entityId"] for e in by_id["history"]["edges"]] == [node["entityId"]]


async def test_changes_replays_then_streams_live_over_graphql_transport_ws_without_gap(
    settings: LedgerSettings, backends: tuple[DocumentStore, EventLog]
) -> None:
    """Events are published while the replay is being sent; each arrives once, in order."""
    _, log = backends
    prefix = settings.topic_prefix
    await publish(log, prefix, mixed(0, 60))
    async with running_ledger(settings.model_copy(update={"query_max_segments": 1})) as ledger:
        await ledger.wait_head(60)
        integrator = as_("integrator", opd="DPMPTSP")
        async with ledger.subscription(CHANGES, {"since": "0"}, integrator) as op:
            publisher = asyncio.create_task(publish(log, prefix, mixed(60, 120)))
            got: list[dict[str, Any]] = []
            while len(got) < 60:  # the odd n of 0..119 are DPMPTSP permits
                got.append((await asyncio.wait_for(op.next(), 30))["changes"])
            await publisher
        seqs = [g["seq"] for g in got]
        assert seqs == sorted(set(seqs)) and {g["event"]["opd"] for g in got} == {"DPMPTSP"}
        page = await ledger.data(HISTORY, AUDITOR, f={"opd": "DPMPTSP"}, first=500)
        assert seqs == [e["node"]["seq"] for e in page["history"]["edges"]]


async def test_a_subscription_the_principal_may_not_have_is_refused_with_an_error_message(
    settings: LedgerSettings,
) -> None:
    async with running_ledger(settings) as ledger:
        async with ledger.subscription(CHANGES, {}, as_("operator")) as op:
            msg = await asyncio.wait_for(op.message(), 10)
        assert msg["type"] == "error", msg
        assert msg["payload"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_websocket_without_the_gateways_credential_is_refused_at_the_handshake(
    settings: LedgerSettings,
) -> None:
    import pytest
    from websockets.exceptions import InvalidStatus

    async with running_ledger(settings) as ledger:
        for headers in ({}, {"X-Rumah-Role": "auditor"}, KEYS.headers("finance")):
            with pytest.raises(InvalidStatus) as refused:
                async with ledger.subscription(CHANGES, {}, headers, {"rumahRole": "auditor"}):
                    pass
            assert refused.value.response.status_code == 403
