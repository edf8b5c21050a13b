"""``@defer`` / ``@stream`` over ``multipart/mixed`` against ``rumah gateway serve`` in front of
the ``entities`` scenario's real subgraphs (products, reviews, accounts).

Checked as a client sees it: the multipart framing and the ``deferSpec=20220824`` payloads
(``data``/``hasNext`` first, then ``incremental`` entries with ``path``/``label``), the first
part arriving while the deferred part's subgraph is still held, a deferred fetch that fails
leaving the delivered part intact, ``@defer(if: false)``, clients without multipart support
getting the whole response, and invalid ``@defer`` refused before any fetch.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.federation.harness.model import HOST, load_scenario
from tests.federation.harness.processes import (
    Process,
    free_port,
    http_json,
    spawn_rumah_gateway,
    spawn_subgraphs,
    until,
)

pytestmark = pytest.mark.federation

PATIENCE = 120.0
PRODUCTS, REVIEWS = "http://127.0.0.1:4202", "http://127.0.0.1:4203"
MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"
DEFERRED = """{ topProducts { upc name
  ... @defer(label: "reviews") { reviews { body author { name } } } } }"""
WHOLE = "{ topProducts { upc name reviews { body author { name } } } }"


@dataclass
class Gateway:
    url: str
    port: int
    gateway: Process
    subgraphs: Process


def _ready(url: str) -> bool:
    try:
        return http_json(f"{url}/graphql", {"query": "{ __typename }"})[0] == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    scenario = load_scenario("entities")
    supergraph = tmp_path_factory.mktemp("defer") / "supergraph.graphql"
    shutil.copy(scenario.supergraph_path, supergraph)
    port = free_port()
    subgraphs = spawn_subgraphs(scenario)
    process = spawn_rumah_gateway(supergraph, port, scenario.gateway_env)
    started = Gateway(f"http://{HOST}:{port}", port, process, subgraphs)
    try:
        until(
            "the subgraphs", lambda: "READY" in subgraphs.log.read_text(errors="replace"), subgraphs
        )
        until("the gateway", lambda: _ready(started.url), process)
        yield started
    finally:
        for origin in (PRODUCTS, REVIEWS):
            if subgraphs.popen.poll() is None:
                http_json(f"{origin}/__release", {})
        process.stop()
        subgraphs.stop()


@pytest.fixture(autouse=True)
def reset(gateway: Gateway) -> Iterator[None]:
    yield
    for origin in (PRODUCTS, REVIEWS):
        http_json(f"{origin}/__release", {})
        http_json(f"{origin}/__reset", {})


class Stream:
    """One streamed POST /graphql: its status, content type, and parts read as they come."""

    def __init__(
        self, gateway: Gateway, query: str, accept: str, variables: dict[str, Any] | None = None
    ) -> None:
        self.connection = http.client.HTTPConnection(HOST, gateway.port, timeout=PATIENCE)
        body = json.dumps({"query": query, "variables": variables or {}})
        self.connection.request(
            "POST", "/graphql", body, {"content-type": "application/json", "accept": accept}
        )
        self.response = self.connection.getresponse()
        self.content_type = self.response.getheader("content-type", "")
        self.buffer = b""
        self.closed = False

    def boundary(self) -> bytes:
        match = re.search(r'boundary="?([^";]+)"?', self.content_type)
        assert match, self.content_type
        return match.group(1).encode()

    def next_part(self) -> dict[str, Any] | None:
        """The next part's JSON payload (None after the close delimiter). A part is whole when
        its JSON parses: the delimiter after it only comes with the next part."""
        delimiter = b"\r\n--" + self.boundary()
        while True:
            start = self.buffer.find(delimiter)
            if start >= 0:
                rest = self.buffer[start + len(delimiter) :]
                if rest.startswith(b"--"):
                    self.closed = True
                    return None
                header_end = rest.find(b"\r\n\r\n")
                if header_end >= 0:
                    headers = rest[:header_end].decode()
                    assert "content-type: application/json" in headers.lower()
                    payload = rest[header_end + 4 :]
                    following = payload.find(delimiter)
                    candidate = payload if following < 0 else payload[:following]
                    try:
                        parsed: dict[str, Any] = json.loads(candidate)
                    except ValueError:
                        parsed = {}
                    if parsed:
                        self.buffer = payload[len(candidate) :]
                        return parsed
            chunk = self.response.read1(65536)
            assert chunk, f"the response ended inside a part: {self.buffer!r}"
            self.buffer += chunk

    def all_parts(self) -> list[dict[str, Any]]:
        parts = []
        while (part := self.next_part()) is not None:
            parts.append(part)
        assert self.response.read() in (b"", b"\r\n")  # nothing after the close delimiter
        self.connection.close()
        return parts


def _apply(data: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole result a client builds from the incremental parts."""
    for part in parts:
        for entry in part.get("incremental", []):
            target: Any = data
            for key in entry["path"][:-1] if "items" in entry else entry["path"]:
                target = target[key]
            if "items" in entry:
                target[entry["path"][-1] : entry["path"][-1]] = entry["items"]
            else:
                target.update(entry["data"])
    return data


def _whole(gateway: Gateway, query: str) -> dict[str, Any]:
    status, answer = http_json(f"{gateway.url}/graphql", {"query": query})
    assert status == 200 and "errors" not in answer, answer
    return answer  # type: ignore[no-any-return]


def test_a_deferred_fragment_comes_in_a_later_part(gateway: Gateway) -> None:
    stream = Stream(gateway, DEFERRED, MULTIPART)
    assert stream.response.status == 200
    assert stream.content_type.startswith("multipart/mixed")
    assert "deferSpec=20220824" in stream.content_type
    parts = stream.all_parts()
    first, *rest = parts
    assert first == {
        "data": {
            "topProducts": [
                {"upc": "p1", "name": "Table"},
                {"upc": "p2", "name": "Couch"},
                {"upc": "p3", "name": "Chair"},
                {"upc": "p4", "name": "Lamp"},
            ]
        },
        "hasNext": True,
    }
    assert rest and rest[-1]["hasNext"] is False
    assert all(p["hasNext"] is True for p in rest[:-1])
    entries = [e for p in rest for e in p["incremental"]]
    assert sorted(tuple(e["path"]) for e in entries) == [("topProducts", i) for i in range(4)]
    assert all(e["label"] == "reviews" and "errors" not in e for e in entries)
    assert next(e for e in entries if e["path"] == ["topProducts", 0])["data"] == {
        "reviews": [
            {"body": "Love it!", "author": {"name": "Ada Lovelace"}},
            {"body": "Prefer something else.", "author": {"name": "Alan Turing"}},
        ]
    }
    # put together, the parts are exactly the response to the query without @defer
    assert {"data": _apply(first["data"], rest)} == _whole(gateway, WHOLE)


def test_the_first_part_is_sent_before_the_deferred_fetch_answers(gateway: Gateway) -> None:
    http_json(f"{REVIEWS}/__mode", {"mode": "hold"})
    stream = Stream(gateway, DEFERRED, MULTIPART)
    first = stream.next_part()
    # the reviews subgraph has not answered yet: the deferred fragment is its own fetch
    assert first is not None and first["hasNext"] is True
    assert "reviews" not in first["data"]["topProducts"][0]
    assert len(http_json(f"{REVIEWS}/__calls")[1]["calls"]) == 1
    http_json(f"{REVIEWS}/__release", {})
    rest = stream.all_parts()
    assert rest[-1]["hasNext"] is False
    assert {"data": _apply(first["data"], rest)} == _whole(gateway, WHOLE)


def test_a_failed_deferred_fetch_leaves_the_delivered_part_intact(gateway: Gateway) -> None:
    http_json(f"{REVIEWS}/__mode", {"mode": "http500"})
    parts = Stream(gateway, DEFERRED, MULTIPART).all_parts()
    first, *rest = parts
    assert "errors" not in first
    assert [p["upc"] for p in first["data"]["topProducts"]] == ["p1", "p2", "p3", "p4"]
    assert rest[-1]["hasNext"] is False
    entries = [e for p in rest for e in p["incremental"]]
    assert entries, rest
    errors = [error for e in entries for error in e.get("errors", [])]
    assert errors, entries  # the failure is reported with the deferred part
    assert all(e.get("data") is None or e["data"].get("reviews") is None for e in entries)


def test_defer_if_false_is_not_deferred(gateway: Gateway) -> None:
    query = """query($later: Boolean!) { topProducts { upc name
      ... @defer(if: $later) { reviews { body author { name } } } } }"""
    parts = Stream(gateway, query, MULTIPART, {"later": False}).all_parts()
    assert parts[0]["hasNext"] is False and len(parts) == 1
    assert {"data": parts[0]["data"]} == _whole(gateway, WHOLE)
    deferred = Stream(gateway, query, MULTIPART, {"later": True}).all_parts()
    assert len(deferred) >= 2 and "reviews" not in deferred[0]["data"]["topProducts"][0]


def test_clients_without_multipart_get_the_whole_response(gateway: Gateway) -> None:
    for accept in (
        "application/json",
        "application/graphql-response+json",
        "multipart/mixed;q=0, application/json",
    ):
        stream = Stream(gateway, DEFERRED, accept)
        assert stream.response.status == 200
        assert not stream.content_type.startswith("multipart/"), accept
        answer = json.loads(stream.response.read())
        stream.connection.close()
        assert answer == _whole(gateway, WHOLE), accept


def test_stream_sends_the_first_items_then_the_rest(gateway: Gateway) -> None:
    query = "{ latestReviews @stream(initialCount: 1) { id body } }"
    parts = Stream(gateway, query, MULTIPART).all_parts()
    first, *rest = parts
    assert len(first["data"]["latestReviews"]) == 1 and first["hasNext"] is True
    assert rest[-1]["hasNext"] is False
    assert all("items" in e for p in rest for e in p["incremental"])
    assert {"data": _apply(first["data"], rest)} == _whole(gateway, "{ latestReviews { id body } }")


@pytest.mark.parametrize(
    "query",
    [
        "{ topProducts @defer { upc } }",  # @defer is for fragments, not fields
        "{ topProducts { ... @defer(label: 1) { upc } } }",  # a label is a String
        '{ topProducts { upc ... @defer(label: "a") { name } ... @defer(label: "a") { upc } } }',
    ],
)
def test_invalid_defer_is_refused_before_any_fetch(gateway: Gateway, query: str) -> None:
    http_json(f"{PRODUCTS}/__reset", {})
    parts = Stream(gateway, query, MULTIPART)
    answer = json.loads(parts.response.read())
    parts.connection.close()
    assert answer.get("data") is None and answer["errors"], answer
    assert answer["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert http_json(f"{PRODUCTS}/__calls")[1]["calls"] == []


NESTED = """query($outer: Boolean! = true) { topProducts(first: 2) { upc
  ... @defer(label: "outer", if: $outer) { name reviews { body
    ... @defer(label: "inner") { author { name } } } } } }"""
NESTED_WHOLE = "{ topProducts(first: 2) { upc name reviews { body author { name } } } }"


def test_nested_defers_come_outer_first(gateway: Gateway) -> None:
    first, *rest = Stream(gateway, NESTED, MULTIPART).all_parts()
    assert first == {"data": {"topProducts": [{"upc": "p1"}, {"upc": "p2"}]}, "hasNext": True}
    labels = [e["label"] for p in rest for e in p["incremental"]]
    assert labels == ["outer", "outer", "inner", "inner", "inner"]
    inner = [e for p in rest for e in p["incremental"] if e["label"] == "inner"]
    assert inner[0] == {
        "data": {"author": {"name": "Ada Lovelace"}},
        "path": ["topProducts", 0, "reviews", 0],
        "label": "inner",
    }
    assert {"data": _apply(first["data"], rest)} == _whole(gateway, NESTED_WHOLE)


def test_an_outer_defer_turned_off_still_defers_the_inner_one(gateway: Gateway) -> None:
    first, *rest = Stream(gateway, NESTED, MULTIPART, {"outer": False}).all_parts()
    assert first["hasNext"] is True
    assert first["data"]["topProducts"][0] == {
        "upc": "p1",
        "name": "Table",
        "reviews": [{"body": "Love it!"}, {"body": "Prefer something else."}],
    }
    assert {e["label"] for p in rest for e in p["incremental"]} == {"inner"}
    assert {"data": _apply(first["data"], rest)} == _whole(gateway, NESTED_WHOLE)
