# ruff: noqa: E501 - strategy tables read best one per line

"""Fuzz the guarded gateway (issue #9): over 10,000 malformed or hostile requests — HTTP
and WebSocket — with access control on (static tokens and OpenID Connect JWTs, rate
limits, access records). Never a 5xx, never data or a subgraph call without a valid
credential, nothing raised out of the app (the process stays up)."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa
from http_driver import call, harness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.access_records import AccessRecorder
from gateway.app import GatewayApp
from gateway.auth import AccessGate, Principal, StaticTokenAuthenticator
from gateway.auth.jwt import IssuerKeys, JwtAuthenticator, OidcConfig
from gateway.auth.rate_limit import RateLimiter
from gateway.auth.setup import FirstOf
from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
from gateway.ports import SubgraphRequest
from rumah.access_sink import access_event
from services.kit.envelope import encode

sys.path.insert(0, str(Path(__file__).parents[1] / "subscriptions"))
from subs_support import FakeSocket, connect, finished, gateway  # noqa: E402

ISSUER = "https://sso.test/realms/rumah"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
VALID_STATIC = "static-valid-token"
PRINCIPAL = Principal("fuzzer", frozenset({"auditor"}), frozenset({"a:read"}))


def _keys() -> IssuerKeys:
    """The issuer's key loaded in memory; unknown kids never trigger a fetch here."""
    config = OidcConfig(issuer=ISSUER, audiences=("rumah-gateway",), jwks_min_interval_s=1e9)
    keys = IssuerKeys(config)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    keys.keys = {"k1": jwt.PyJWK({**jwk, "kid": "k1", "alg": "RS256", "use": "sig"})}
    keys.status.last_attempt = time.time()
    return keys


KEYS = _keys()
AUTHENTICATOR = FirstOf(
    [StaticTokenAuthenticator({VALID_STATIC: PRINCIPAL}), JwtAuthenticator(KEYS.config, KEYS)]
)


def _valid_jwt() -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "rumah-gateway",
        "sub": "u",
        "iat": now,
        "exp": now + 600,
        "realm_access": {"roles": ["auditor"]},
    }
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})


VALID_JWT = _valid_jwt()
VALID = {VALID_STATIC, VALID_JWT}


class Recorder:
    def __init__(self) -> None:
        self.calls = 0

    async def fetch(self, request: SubgraphRequest) -> Any:
        self.calls += 1
        return {"data": {"hello": "secret", "me": {"id": "1", "name": "secret"}}}


class EncodingSink:
    """Encodes each record as the event log would (a record it cannot carry fails here)."""

    async def write(self, records: Any) -> None:
        for record in records:
            encode(access_event(record))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


jwt_like = st.builds(
    lambda header, payload, sig: f"{_b64(header)}.{_b64(payload)}.{_b64(sig)}",
    st.one_of(
        st.sampled_from(
            [
                b'{"alg":"none","kid":"k1"}',
                b'{"alg":"HS256","kid":"k1"}',
                b'{"alg":"RS256","kid":"k1"}',
                b'{"alg":"RS256","kid":"other"}',
                b'{"alg":"RS256"}',
                b"{}",
                b"[]",
                b"\xff",
            ]
        ),
        st.binary(max_size=40),
    ),
    st.one_of(
        st.binary(max_size=60),
        st.just(b'{"sub":"x","exp":9999999999,"iss":"' + ISSUER.encode() + b'"}'),
    ),
    st.binary(max_size=64),
)
authorization = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.builds(lambda t: f"Bearer {t}", st.text(max_size=40)),
    st.builds(lambda t: f"Bearer {t}", jwt_like),
    st.builds(lambda t: f"bEaReR {t}", jwt_like),
    st.sampled_from(
        [
            f"Bearer {VALID_STATIC}",
            f"Bearer {VALID_JWT}",
            f"Basic {VALID_STATIC}",
            VALID_STATIC,
            f"Bearer {VALID_JWT[:-2]}",
            f"Bearer {VALID_STATIC} x",
        ]
    ),
)
query_string = st.one_of(
    st.binary(max_size=60),
    st.builds(
        lambda k, v: k + b"=" + v,
        st.sampled_from([b"query", b"%71uery", b"qu%65ry", b"QUERY", b"query[]", b"access_token"]),
        st.sampled_from(
            [b"{hello}", b"%7Bhello%7D", b"{me{name}}", b"", b"%ff", b"{__schema{types{name}}}"]
        ),
    ),
)
body = st.one_of(
    st.none(),
    st.binary(max_size=80),
    st.builds(
        lambda q: orjson.dumps({"query": q}),
        st.sampled_from(["{hello}", "{me{name}}", "mutation{x}", "{", ""]),
    ),
    st.builds(lambda q: orjson.dumps([{"query": q}]), st.just("{hello}")),
    st.builds(
        lambda v: orjson.dumps({"query": "{hello}", "variables": v}),
        st.dictionaries(st.text(max_size=3), st.integers(-(2**63), 2**63 - 1), max_size=2),
    ),
)
request = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "POST", "POST", "PUT", "OPTIONS", "HEAD", "DELETE"]),
        "path": st.sampled_from(["/graphql", "/", "/graphql/", "/health", "/nope"]),
        "qs": query_string,
        "auth": authorization,
        "accept": st.sampled_from(
            [None, "text/html", "application/json", "*/*", "application/graphql-response+json", "x"]
        ),
        "ctype": st.sampled_from(
            [None, "application/json", "text/plain", "application/graphql-response+json"]
        ),
        "body": body,
        "extra": st.dictionaries(
            st.sampled_from(
                ["x-rumah-role", "x-rumah-opd", "cookie", "x-api-key", "authorization "]
            ),
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
            max_size=2,
        ),
    }
)

REQUESTS_PER_EXAMPLE = 100
EXAMPLES = 80  # ≥ 8,000 HTTP requests, plus ≥ 2,000 WebSocket frames below


def _guarded() -> tuple[GatewayApp, Recorder]:
    recorder = Recorder()
    h = harness(recorder)
    gate = AccessGate(
        AUTHENTICATOR, limiter=RateLimiter(1000.0, 1000), failures=RateLimiter(1000.0, 100000)
    )
    records = RECORDS
    endpoint = GraphQLEndpoint(h.holder, h.pipeline, EndpointOptions(), gate=gate, recorder=records)
    return GatewayApp(
        graphql=endpoint, health=h.app.health, graphql_paths=("/graphql", "/")
    ), recorder


RECORDS = AccessRecorder(EncodingSink(), capacity=1_000_000)
APP, FETCHER = _guarded()
SEEN = {"http": 0, "ws": 0}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(request, min_size=REQUESTS_PER_EXAMPLE, max_size=REQUESTS_PER_EXAMPLE))
def test_hostile_http_requests_never_5xx_and_never_reach_data_without_a_credential(
    batch: list[dict[str, Any]],
) -> None:
    async def run() -> None:
        for r in batch:
            headers = {k: v for k, v in r["extra"].items()}
            for name, value in (
                ("authorization", r["auth"]),
                ("accept", r["accept"]),
                ("content-type", r["ctype"]),
            ):
                if value is not None:
                    headers[name] = value
            before = FETCHER.calls
            response = await call(
                APP, r["method"], r["path"], body=r["body"], headers=headers, query_string=r["qs"]
            )
            SEEN["http"] += 1
            assert response.status < 500, (r, response.status, response.body[:200])
            credential = (
                r["auth"] in {f"Bearer {t}" for t in VALID} or r["auth"] == f"bEaReR {VALID_JWT}"
            )
            if not credential:
                assert FETCHER.calls == before, r
                assert b"secret" not in response.body, r
        while RECORDS.pending:  # every request left a record the log can carry
            assert await RECORDS._flush()

    asyncio.run(run())


frames = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60),
    st.builds(
        lambda p: json.dumps({"type": "connection_init", "payload": p}),
        st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(["Authorization", "authorization", "token", "x"]),
                st.one_of(st.text(max_size=20), st.builds(lambda t: f"Bearer {t}", jwt_like)),
            ),
        ),
    ),
    st.builds(
        lambda q: json.dumps({"id": "1", "type": "subscribe", "payload": {"query": q}}),
        st.sampled_from(["subscription { reviewAdded { body } }", "{ __typename }", "{", ""]),
    ),
    st.sampled_from(
        [
            '{"type":"ping"}',
            '{"type":"pong"}',
            '{"id":"1","type":"complete"}',
            '{"type":"connection_ack"}',
            "null",
            "[]",
        ]
    ),
)


WS = gateway(authenticator=AUTHENTICATOR)  # one gateway state for every example (cheap)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(frames, min_size=50, max_size=50), st.booleans())
def test_hostile_websocket_frames_never_reach_a_subgraph_without_a_credential(
    messages: list[str | bytes], upgrade_with_valid_token: bool
) -> None:
    async def run() -> None:
        gw = WS
        gw.upstream.requests.clear()
        gw.fetcher.requests.clear()
        headers = (
            [(b"authorization", f"Bearer {VALID_JWT}".encode())] if upgrade_with_valid_token else []
        )
        socket, task = await connect(gw, FakeSocket(headers=headers))
        for message in messages:
            # a frame that breaks the protocol closes the connection: the next frames go to
            # a fresh one, so every frame is read by a live connection
            await asyncio.sleep(0)
            if task.done():
                await finished(task)
                socket, task = await connect(gw, FakeSocket(headers=headers))
            if isinstance(message, bytes):
                socket.send_bytes(message)
            else:
                socket.send_text(message)
            for _ in range(3):
                await asyncio.sleep(0)
            SEEN["ws"] += 1
        socket.disconnect()
        await finished(task)  # returned, did not raise
        sent_valid = upgrade_with_valid_token or any(
            isinstance(m, str) and (VALID_JWT in m or VALID_STATIC in m) for m in messages
        )
        if not sent_valid:
            assert gw.upstream.requests == [] and gw.fetcher.requests == []

    asyncio.run(run())


def test_the_fuzz_run_was_at_least_10000_requests() -> None:
    assert SEEN["http"] >= EXAMPLES * REQUESTS_PER_EXAMPLE
    assert SEEN["http"] + SEEN["ws"] >= 10_000, SEEN
