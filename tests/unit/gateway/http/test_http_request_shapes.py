"""A corpus of request shapes against every GraphQL path of the gateway (issue #9 item 1):
percent-encoded and duplicated parameter names, ``query`` in body and URL at once, GET and
POST, batches, ``Accept`` variations, tokens in the URL, ``Authorization`` variations. None
reaches data without a valid credential; the page GraphiQL serves never executes anything."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

from typing import Any

import orjson
import pytest
from http_driver import call, harness

from gateway.app import GatewayApp
from gateway.auth import AccessGate, Principal, StaticTokenAuthenticator
from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
from gateway.http.request_params import RequestError, query_parameters
from gateway.ports import SubgraphRequest

VALID = "valid-token"
GATE = AccessGate(StaticTokenAuthenticator({VALID: Principal("auditor")}))
Q = "{hello}"


class Recorder:
    def __init__(self) -> None:
        self.requests: list[SubgraphRequest] = []

    async def fetch(self, request: SubgraphRequest) -> Any:
        self.requests.append(request)
        return {"data": {"hello": "secret"}}


def guarded(graphiql: bool) -> tuple[GatewayApp, Recorder]:
    recorder = Recorder()
    h = harness(recorder)
    options = EndpointOptions(graphiql=graphiql)
    endpoint = GraphQLEndpoint(h.holder, h.pipeline, options, gate=GATE)
    return GatewayApp(
        graphql=endpoint, health=h.app.health, graphql_paths=("/graphql", "/")
    ), recorder


# (method, raw query string, headers, body)
SHAPES: list[tuple[str, bytes, dict[str, str], bytes | None]] = [
    ("GET", b"query=%7Bhello%7D", {}, None),
    ("GET", b"%71uery=%7Bhello%7D", {"accept": "text/html"}, None),
    ("GET", b"%71uery={hello}", {"accept": "text/html,application/xhtml+xml"}, None),
    ("GET", b"%71%75%65%72%79={hello}", {"accept": "TEXT/HTML"}, None),
    ("GET", b"qu%65ry={hello}", {"accept": "text/html;q=0.1, */*"}, None),
    ("GET", b"query={hello}", {"accept": "text/html"}, None),
    ("GET", b"query={hello}", {"accept": "*/*"}, None),
    ("GET", b"query={hello}", {"accept": "application/graphql-response+json"}, None),
    ("GET", b"query={hello}", {"accept": ""}, None),
    ("GET", b"query=&%71uery={hello}", {"accept": "text/html"}, None),
    ("GET", b"query={__typename}&query={hello}", {}, None),
    ("GET", b"query={hello}&access_token=" + VALID.encode(), {}, None),
    ("GET", b"access_token=" + VALID.encode() + b"&query={hello}", {"accept": "text/html"}, None),
    ("GET", b"query={hello}&authorization=Bearer+" + VALID.encode(), {}, None),
    ("GET", b"query={hello}#", {"accept": "text/html"}, None),
    ("GET", b"query=%7Bhello%7D%00", {}, None),
    ("GET", b"query=%ff", {}, None),
    ("GET", b"query={hello};query={hello}", {}, None),
    ("GET", b"operationName=&query=query+Q{hello}", {"accept": "text/html"}, None),
    (
        "GET",
        b"extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22x%22%7D%7D",
        {"accept": "text/html"},
        None,
    ),
    ("GET", b"variables={}", {"accept": "text/html"}, None),
    ("GET", b"Query={hello}", {}, None),
    ("GET", b"", {}, None),
    ("GET", b"", {"accept": "application/json"}, None),
    ("POST", b"", {"content-type": "application/json"}, orjson.dumps({"query": Q})),
    (
        "POST",
        b"",
        {"content-type": "application/json", "accept": "text/html"},
        orjson.dumps({"query": Q}),
    ),
    ("POST", b"query={hello}", {"content-type": "application/json"}, orjson.dumps({"query": Q})),
    ("POST", b"%71uery={hello}", {"content-type": "application/json"}, b"{}"),
    ("POST", b"", {"content-type": "application/json"}, orjson.dumps([{"query": Q}])),
    ("POST", b"", {"content-type": "application/json"}, orjson.dumps([{"query": Q}, {"query": Q}])),
    (
        "POST",
        b"",
        {"content-type": "application/json"},
        b'{"query":"{__typename}","query":"{hello}"}',
    ),
    ("POST", b"", {"content-type": "text/plain"}, orjson.dumps({"query": Q})),
    ("POST", b"", {"content-type": "application/x-www-form-urlencoded"}, b"query={hello}"),
    (
        "POST",
        b"",
        {"content-type": "application/graphql-response+json"},
        orjson.dumps({"query": Q}),
    ),
    (
        "POST",
        b"",
        {"content-type": "application/json"},
        orjson.dumps({"query": Q, "extensions": {"token": VALID}}),
    ),
    (
        "POST",
        b"",
        {"content-type": "application/json"},
        orjson.dumps({"query": Q, "variables": {"authorization": "Bearer " + VALID}}),
    ),
    ("PUT", b"query={hello}", {}, None),
    ("DELETE", b"query={hello}", {}, None),
    ("HEAD", b"query={hello}", {}, None),
    ("OPTIONS", b"query={hello}", {}, None),
    ("PATCH", b"", {"content-type": "application/json"}, orjson.dumps({"query": Q})),
]

BAD_CREDENTIALS: list[dict[str, str]] = [
    {},
    {"authorization": ""},
    {"authorization": "Bearer"},
    {"authorization": "Bearer "},
    {"authorization": "Bearer wrong"},
    {"authorization": "Basic " + VALID},
    {"authorization": VALID},
    {"authorization": "Token " + VALID},
    {"authorization": "Bearer " + VALID + "x"},
    {"authorization": "Bearer " + VALID[:-1]},
    {"x-rumah-role": "auditor"},
    {"x-api-key": VALID},
    {"cookie": "token=" + VALID},
]


@pytest.mark.parametrize(("method", "qs", "headers", "body"), SHAPES)
async def test_no_shape_reaches_data_without_a_valid_credential(
    method: str, qs: bytes, headers: dict[str, str], body: bytes | None
) -> None:
    for graphiql in (True, False):
        app, recorder = guarded(graphiql)
        for path in ("/graphql", "/"):
            for credentials in BAD_CREDENTIALS:
                r = await call(
                    app,
                    method,
                    path,
                    body=body,
                    headers={**headers, **credentials},
                    query_string=qs,
                )
                assert recorder.requests == []
                assert b"secret" not in r.body
                if r.status == 200:  # only the static page: a bare GET from a browser, GraphiQL on
                    assert graphiql and method == "GET" and not query_parameters(qs)
                    assert r.headers["content-type"].startswith("text/html")
                else:
                    assert r.status in (400, 401, 405, 413), (r.status, r.body)
                    if r.status == 401:
                        assert r.headers["www-authenticate"].startswith('Bearer realm="rumah"')


async def test_several_authorization_headers_are_refused_even_if_one_is_valid() -> None:
    app, recorder = guarded(False)
    scope_headers = [
        (b"authorization", b"Bearer wrong"),
        (b"authorization", f"Bearer {VALID}".encode()),
    ]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/graphql",
        "query_string": b"query={hello}",
        "headers": scope_headers,
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert dict(sent[0]["headers"])[b"www-authenticate"].endswith(b'error="invalid_request"')
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("qs", "accept"),
    [
        (b"query=%7Bhello%7D", "text/html"),
        (b"%71uery=%7Bhello%7D", "text/html"),
        (b"qu%65ry={hello}", "*/*"),
        (b"query={hello}&access_token=nothing", None),
    ],
)
async def test_the_same_shapes_with_a_valid_credential_are_executed(
    qs: bytes, accept: str | None
) -> None:
    app, recorder = guarded(True)
    headers = {"authorization": "bearer " + VALID}  # the scheme is case-insensitive (RFC 7235)
    if accept:
        headers["accept"] = accept
    r = await call(app, "GET", body=None, headers=headers, query_string=qs)
    assert (r.status, r.json()) == (200, {"data": {"hello": "secret"}})
    assert len(recorder.requests) == 1


async def test_a_bare_get_without_graphiql_is_a_request_like_any_other() -> None:
    app, recorder = guarded(False)
    r = await call(app, "GET", headers={"accept": "text/html"})
    assert r.status == 401
    r = await call(app, "GET", headers={"accept": "text/html", "authorization": "Bearer " + VALID})
    assert r.headers["content-type"] == "application/json"
    assert r.json()["errors"][0]["message"] == "Must provide query string."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"query=%7Ba%7D", {"query": "{a}"}),
        (b"%71uery=%7Ba%7D", {"query": "{a}"}),
        (b"query=a+b", {"query": "a b"}),
        (b"query=a%2Bb", {"query": "a+b"}),
        (b"Query=x&QUERY=y", {}),
        (b"query=&operationName=", {"query": "", "operationName": ""}),
        (b"x=1&y", {}),
        (b"query=%E2%82%AC", {"query": "\u20ac"}),
    ],
)
def test_query_parameters_are_percent_decoded_names_and_values(
    raw: bytes, expected: dict[str, str]
) -> None:
    assert query_parameters(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"query=a&query=b", 'The "query" parameter is given more than once.'),
        (b"query=a&%71uery=b", 'The "query" parameter is given more than once.'),
        (
            b"operationName=a&operation%4Eame=b",
            'The "operationName" parameter is given more than once.',
        ),
        (b"query=%ff", "The query string is not valid UTF-8."),
        (b"query=\xff", "The query string is not valid UTF-8."),
        (b"&".join([b"a=1"] * 65), "The query string has more than 64 parameters."),
    ],
)
def test_ambiguous_or_undecodable_query_strings_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(RequestError, match="^" + message.replace(".", r"\.") + "$"):
        query_parameters(raw)
