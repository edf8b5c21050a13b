"""The aiohttp subgraph fetcher against a real local HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.client import ClientKind, HttpSubgraphFetcher, probe_subgraphs, subgraph_transport
from gateway.ports import SubgraphFetchError, SubgraphInfo, SubgraphRequest


class Behaviour:
    def __init__(self) -> None:
        self.status = 200
        self.body: bytes = b'{"data": {"ok": true}}'
        self.content_type = "application/json"
        self.delay = 0.0
        self.chunked = False
        self.seen: list[dict[str, Any]] = []


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Behaviour]]:
    behaviour = Behaviour()

    async def handle(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        behaviour.seen.append(
            {"headers": dict(request.headers), "body": await request.json(), "peer": peer}
        )
        if behaviour.delay:
            await asyncio.sleep(behaviour.delay)
        if behaviour.chunked:
            streamed = web.StreamResponse(status=behaviour.status)
            streamed.content_type = behaviour.content_type
            streamed.enable_chunked_encoding()
            await streamed.prepare(request)
            for start in range(0, len(behaviour.body), 4096):
                await streamed.write(behaviour.body[start : start + 4096])
            await streamed.write_eof()
            return streamed  # type: ignore[return-value]
        return web.Response(
            status=behaviour.status, body=behaviour.body, content_type=behaviour.content_type
        )

    app = web.Application()
    app.router.add_post("/graphql", handle)
    srv = TestServer(app)
    await srv.start_server()
    try:
        yield str(srv.make_url("/graphql")), behaviour
    finally:
        await srv.close()


def request(**kw: Any) -> SubgraphRequest:
    defaults: dict[str, Any] = {
        "service": "s",
        "query": "{ ok }",
        "operation_name": None,
        "variables": None,
    }
    return SubgraphRequest(**{**defaults, **kw})


@pytest.fixture(params=["native", "aiohttp"])
def kind(request: pytest.FixtureRequest) -> ClientKind:
    return request.param  # type: ignore[no-any-return]


async def fetch(url: str, req: SubgraphRequest, kind: ClientKind, **kw: Any) -> Any:
    async with subgraph_transport(kind) as transport:
        fetcher = HttpSubgraphFetcher(transport, {"s": SubgraphInfo("s", url)}, **kw)
        return await fetcher.fetch(req)


async def test_posts_graphql_json_with_forwarded_headers(
    server: tuple[str, Behaviour], kind: ClientKind
) -> None:
    url, behaviour = server
    response = await fetch(
        url,
        request(variables={"a": 1}, operation_name="Op", headers={"authorization": "Bearer x"}),
        kind,
    )
    assert response == {"data": {"ok": True}}
    [seen] = behaviour.seen
    assert seen["body"] == {"query": "{ ok }", "operationName": "Op", "variables": {"a": 1}}
    assert seen["headers"]["Authorization"] == "Bearer x"
    assert seen["headers"]["Content-Type"] == "application/json"


async def test_each_request_carries_its_own_credential(
    server: tuple[str, Behaviour], kind: ClientKind
) -> None:
    """Credentials repeat (one per principal and subgraph, reused for half a minute); every
    request still carries exactly the value it was given, and the other headers beside it."""
    url, behaviour = server
    values = ["Bearer aaa", "Bearer bbb", "Bearer aaa", "Bearer ccc", "Bearer bbb"]
    async with subgraph_transport(kind) as transport:
        fetcher = HttpSubgraphFetcher(transport, {"s": SubgraphInfo("s", url)})
        for value in values:
            await fetcher.fetch(request(headers={"authorization": value, "x-other": "1"}))
    assert [seen["headers"]["Authorization"] for seen in behaviour.seen] == values
    assert all(
        {k.lower(): v for k, v in seen["headers"].items()}["x-other"] == "1"
        for seen in behaviour.seen
    )


async def test_signed_credentials_reach_the_subgraph_whole_over_either_client(
    server: tuple[str, Behaviour], kind: ClientKind
) -> None:
    """The production wiring: the access layer's credential (encoded once per token, sent as
    it is) arrives as the one ``Authorization`` of its principal's requests, beside the
    request id; a forwarded client ``Authorization`` is replaced by it, never sent too."""
    from gateway.auth import Principal
    from gateway.auth.subgraph_credentials import SubgraphSigner
    from rumah.common.keys import load_private_key, new_signing_key
    from rumah.common.logs import log_context

    url, behaviour = server
    signer = SubgraphSigner(load_private_key(new_signing_key()[0], "test"))
    ani = Principal("ani", frozenset({"auditor"}), frozenset({"s:read"}))
    budi = Principal("budi", frozenset({"integrator"}), opd="DPMPTSP")
    async with subgraph_transport(kind) as transport:
        fetcher = HttpSubgraphFetcher(
            transport, {"s": SubgraphInfo("s", url)}, credentials=signer.credential
        )
        with log_context(request_id="req-1"):
            for who in (ani, budi, ani):
                await fetcher.fetch(request(principal=who))
            await fetcher.fetch(
                request(principal=budi, headers={"authorization": "Bearer client", "x-f": "1"})
            )
    sent = [{k.lower(): v for k, v in seen["headers"].items()} for seen in behaviour.seen]
    expected = [signer.headers(p, "s")["authorization"] for p in (ani, budi, ani, budi)]
    assert [h["authorization"] for h in sent] == expected
    assert expected[0] != expected[1]
    assert all(h["x-request-id"] == "req-1" for h in sent)
    assert sent[3]["x-f"] == "1"


def test_encoded_header_lines_refuse_what_could_end_a_line_early() -> None:
    from gateway.client.h1 import decode_headers, encode_headers

    headers = {"authorization": "Bearer a.b-c_d", "x-rumah": "v: 1"}
    encoded = encode_headers(headers)
    assert encoded == b"authorization: Bearer a.b-c_d\r\nx-rumah: v: 1\r\n"
    assert decode_headers(encoded) == headers
    for bad in (
        {"authorization": "Bearer a\r\nx-rumah-role: auditor"},
        {"authorization": "Bearer a\nb"},
        {"authorization": "a\x00"},
        {"x bad": "1"},
        {"x:y": "1"},
        {"": "1"},
    ):
        with pytest.raises(ValueError, match="cannot be sent as one line"):
            encode_headers(bad)


async def test_graphql_errors_in_a_200_body_are_returned(
    server: tuple[str, Behaviour], kind: ClientKind
) -> None:
    url, behaviour = server
    behaviour.body = orjson.dumps({"data": None, "errors": [{"message": "x"}]})
    assert (await fetch(url, request(), kind))["errors"] == [{"message": "x"}]


@pytest.mark.parametrize(
    ("status", "body", "content_type", "code"),
    [
        (500, b'{"errors":[{"message":"boom"}]}', "application/json", "SUBREQUEST_HTTP_ERROR"),
        (502, b"<html>Bad gateway</html>", "text/html", "SUBREQUEST_HTTP_ERROR"),
        (200, b"<html>hello</html>", "text/html", "SUBREQUEST_MALFORMED_RESPONSE"),
        (200, b"[1,2]", "application/json", "SUBREQUEST_MALFORMED_RESPONSE"),
        (200, b'{"foo": 1}', "application/json", "SUBREQUEST_MALFORMED_RESPONSE"),
        (200, b'{"data": {}, "errors": "x"}', "application/json", "SUBREQUEST_MALFORMED_RESPONSE"),
    ],
)
async def test_bad_answers_raise_one_coded_error(
    server: tuple[str, Behaviour],
    status: int,
    body: bytes,
    content_type: str,
    code: str,
    kind: ClientKind,
) -> None:
    url, behaviour = server
    behaviour.status, behaviour.body, behaviour.content_type = status, body, content_type
    with pytest.raises(SubgraphFetchError) as caught:
        await fetch(url, request(), kind)
    assert caught.value.code == code
    assert caught.value.service == "s"


async def test_per_subgraph_timeout(server: tuple[str, Behaviour], kind: ClientKind) -> None:
    url, behaviour = server
    behaviour.delay = 1.0
    with pytest.raises(SubgraphFetchError) as caught:
        await fetch(url, request(), kind, timeout=30, timeouts={"s": 0.1})
    assert caught.value.code == "SUBREQUEST_TIMEOUT"


async def test_connection_refused(kind: ClientKind) -> None:
    with pytest.raises(SubgraphFetchError) as caught:
        await fetch("http://127.0.0.1:1/graphql", request(), kind)
    assert caught.value.code == "SUBREQUEST_HTTP_ERROR"
    assert "'s'" in str(caught.value)


async def test_probe_reports_reachability(server: tuple[str, Behaviour], kind: ClientKind) -> None:
    url, _ = server
    async with subgraph_transport(kind) as transport:
        report = await probe_subgraphs(
            transport,
            {"up": SubgraphInfo("up", url), "down": SubgraphInfo("down", "http://127.0.0.1:1/")},
            limit=2,
        )
    assert report["up"]["reachable"] is True
    assert report["down"]["reachable"] is False
    assert report["down"]["error"]


async def test_keep_alive_connections_are_reused_and_stale_ones_replaced(
    server: tuple[str, Behaviour],
) -> None:
    url, behaviour = server
    async with subgraph_transport("native") as transport:
        fetcher = HttpSubgraphFetcher(transport, {"s": SubgraphInfo("s", url)})
        for _ in range(3):
            await fetcher.fetch(request())
        ports = {seen["peer"] for seen in behaviour.seen}
        assert len(ports) == 1  # one connection served all three
        # the server drops idle connections: the next request still succeeds
        for conn in list(transport._client._pools.values())[0]._idle:  # type: ignore[attr-defined]
            conn.transport.abort()  # type: ignore[union-attr]
        await fetcher.fetch(request())
        assert len({seen["peer"] for seen in behaviour.seen}) == 2


async def test_chunked_responses_are_read_whole(server: tuple[str, Behaviour]) -> None:
    url, behaviour = server
    behaviour.chunked = True
    behaviour.body = orjson.dumps({"data": {"big": "x" * 100_000}})
    response = await fetch(url, request(), "native")
    assert len(response["data"]["big"]) == 100_000


def test_native_client_under_uvloop(server_url_sync: str) -> None:
    """Production runs on uvloop, whose transports are not asyncio.Transport subclasses."""
    import uvloop

    async def go() -> Any:
        out = []
        async with subgraph_transport("native") as transport:
            fetcher = HttpSubgraphFetcher(transport, {"s": SubgraphInfo("s", server_url_sync)})
            for _ in range(3):
                out.append(await fetcher.fetch(request()))
        return out

    assert uvloop.run(go()) == [{"data": {"ok": True}}] * 3


@pytest.fixture
def server_url_sync() -> Any:
    """A plain-thread HTTP server (the test itself runs its own uvloop loop)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b'{"data": {"ok": true}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/graphql"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_a_subgraph_url_that_is_not_http_is_a_fetch_error(kind: ClientKind) -> None:
    with pytest.raises(SubgraphFetchError) as caught:
        await fetch("unix:///nowhere", request(), kind)
    assert caught.value.code == "SUBREQUEST_HTTP_ERROR"
