"""Request de-duplication through the real gateway and real HTTP subgraphs.

The subgraphs *hold* each request (``hold`` mode) until released, so requests sent meanwhile
are concurrent for sure; what the gateway did is read from the subgraphs' call records and
its own ``/metrics`` — waiting for a count, never for a time. Principals come from bearer
tokens (``RUMAH_GATEWAY_TOKENS`` in the ``deduplication`` scenario).
"""

from __future__ import annotations

import dataclasses
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from tests.federation.harness.model import Scenario, load_scenario
from tests.federation.harness.processes import http_json, running

pytestmark = pytest.mark.federation

RECORDS = "http://127.0.0.1:4301"
NOTES = "http://127.0.0.1:4302"
QUERY = "{ whoami records { id note } }"
PATIENCE = 60.0  # seconds before a count that never comes fails the test


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("deduplication")


@pytest.fixture(scope="class")
def gateway(scenario: Scenario) -> Iterator[str]:
    """One gateway for the class (closed before the next one starts: same subgraph ports)."""
    with running(scenario) as url:
        yield url


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        yield executor
    for subgraph in (RECORDS, NOTES):  # never leave a held request behind
        http_json(f"{subgraph}/__release", {})


def _hold() -> None:
    for subgraph in (RECORDS, NOTES):
        http_json(f"{subgraph}/__reset", {})
        status, answer = http_json(f"{subgraph}/__mode", {"mode": "hold"})
        assert status == 200, answer


def _release() -> None:
    for subgraph in (RECORDS, NOTES):
        http_json(f"{subgraph}/__release", {})


def _calls(subgraph: str) -> list[Any]:
    _, answer = http_json(f"{subgraph}/__calls")
    return list(answer["calls"])


def _metric(gateway: str, name: str) -> float:
    with urllib.request.urlopen(f"{gateway}/metrics", timeout=10) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _until(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for: {what}")
        time.sleep(0.02)


def _send(
    pool: ThreadPoolExecutor, gateway: str, token: str, query: str = QUERY
) -> Future[tuple[int, Any]]:
    return pool.submit(
        http_json,
        f"{gateway}/graphql",
        {"query": query},
        60.0,
        {"authorization": f"Bearer {token}"},
    )


def _answer(future: Future[tuple[int, Any]]) -> Any:
    status, body = future.result(timeout=PATIENCE)
    assert status == 200, body
    return body


DEDUPLICATED = "rumah_gateway_requests_deduplicated_total"


class TestDeduplicationOn:
    def test_identical_queries_of_one_principal_share_one_execution(
        self, gateway: str, pool: ThreadPoolExecutor
    ) -> None:
        _hold()
        before = _metric(gateway, DEDUPLICATED)
        first = _send(pool, gateway, "t-lic")
        _until("the first query reaches the records subgraph", lambda: len(_calls(RECORDS)) == 1)
        more = [_send(pool, gateway, "t-lic") for _ in range(3)]
        _until(
            "three identical queries join it", lambda: _metric(gateway, DEDUPLICATED) - before == 3
        )
        _release()
        answers = [_answer(f) for f in [first, *more]]
        assert (
            answers
            == [
                {
                    "data": {
                        "whoami": "integrator/licensing",
                        "records": [
                            {"id": "r1", "note": "r1 for integrator"},
                            {"id": "r3", "note": "r3 for integrator"},
                        ],
                    }
                }
            ]
            * 4
        )
        assert len(_calls(RECORDS)) == 1 and len(_calls(NOTES)) == 1

    def test_never_shared_across_principals(self, gateway: str, pool: ThreadPoolExecutor) -> None:
        _hold()
        before = _metric(gateway, DEDUPLICATED)
        auditor = _send(pool, gateway, "t-audit")
        _until(
            "the auditor's query reaches the records subgraph", lambda: len(_calls(RECORDS)) == 1
        )
        # the same query, in flight at the same time, by two other principals: each runs its own
        integrator = _send(pool, gateway, "t-lic")
        health = _send(pool, gateway, "t-health")
        _until(
            "each principal's query reaches the records subgraph", lambda: len(_calls(RECORDS)) == 3
        )
        # and a second auditor request does join the auditor's execution
        auditor_again = _send(pool, gateway, "t-audit")
        _until(
            "the second auditor query joins", lambda: _metric(gateway, DEDUPLICATED) - before == 1
        )
        _release()
        assert _answer(auditor) == _answer(auditor_again)
        assert _answer(auditor)["data"]["whoami"] == "auditor"
        assert [r["id"] for r in _answer(auditor)["data"]["records"]] == ["r1", "r2", "r3"]
        assert _answer(integrator)["data"] == {
            "whoami": "integrator/licensing",
            "records": [
                {"id": "r1", "note": "r1 for integrator"},
                {"id": "r3", "note": "r3 for integrator"},
            ],
        }
        assert _answer(health)["data"] == {
            "whoami": "integrator/health",
            "records": [{"id": "r2", "note": "r2 for integrator"}],
        }
        assert _metric(gateway, DEDUPLICATED) - before == 1
        assert len(_calls(RECORDS)) == 3

    def test_mutations_are_never_shared(self, gateway: str, pool: ThreadPoolExecutor) -> None:
        _hold()
        mutation = 'mutation { touch(id: "r1") }'
        sent = [_send(pool, gateway, "t-audit", mutation) for _ in range(3)]
        _until("every mutation reaches the subgraph", lambda: len(_calls(RECORDS)) == 3)
        _release()
        assert sorted(_answer(f)["data"]["touch"] for f in sent) == [1, 2, 3]


FETCHES_DEDUPLICATED = "rumah_gateway_subgraph_requests_deduplicated_total"


def test_inbound_off_each_query_executes_and_shares_its_subgraph_requests(
    scenario: Scenario,
) -> None:
    """Each identical query executes (no inbound sharing), yet their identical root fetches to
    the records subgraph are one HTTP request (outbound sharing, still on)."""
    off = dataclasses.replace(
        scenario,
        gateway_env={**scenario.gateway_env, "RUMAH_GATEWAY_DEDUPLICATE_REQUESTS": "false"},
    )
    with running(off) as url, ThreadPoolExecutor(max_workers=4) as pool:
        try:
            _hold()
            sent = [_send(pool, url, "t-lic")]
            _until("the first query reaches the subgraph", lambda: len(_calls(RECORDS)) == 1)
            sent += [_send(pool, url, "t-lic") for _ in range(2)]
            _until(
                "two identical root fetches wait for it",
                lambda: _metric(url, FETCHES_DEDUPLICATED) == 2,
            )
            _release()
            assert len({str(_answer(f)) for f in sent}) == 1
            assert _metric(url, DEDUPLICATED) == 0
            assert len(_calls(RECORDS)) == 1
        finally:
            _release()


def test_both_off_every_request_reaches_the_subgraphs(scenario: Scenario) -> None:
    off = dataclasses.replace(
        scenario,
        gateway_env={
            **scenario.gateway_env,
            "RUMAH_GATEWAY_DEDUPLICATE_REQUESTS": "false",
            "RUMAH_GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS": "false",
        },
    )
    with running(off) as url, ThreadPoolExecutor(max_workers=4) as pool:
        try:
            _hold()
            sent = [_send(pool, url, "t-lic") for _ in range(3)]
            _until("every query reaches the subgraph", lambda: len(_calls(RECORDS)) == 3)
            _release()
            assert len({str(_answer(f)) for f in sent}) == 1
            assert _metric(url, DEDUPLICATED) == _metric(url, FETCHES_DEDUPLICATED) == 0
        finally:
            _release()
