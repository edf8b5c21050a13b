# ruff: noqa: E501 - tables and settings read best one per line

"""What OpenID Connect costs the gateway: the 1-subgraph query with auth off and with JWT
auth on, side by side (issue #9: at most 5 % of throughput).

"On" is the production path: an RS256 JWT verified against an issuer's JWKS (served here by
a tiny local issuer), the principal's grants, its rate limit (set high enough never to
refuse), and a signed credential for the subgraph on every fetch. Access records are off in
both, so the difference is authentication and subgraph credentials only. The two gateways
run one after the other, alternating, ``rounds`` times each; the medians are compared, both
as requests/s and as the gateway's CPU time per request (the steadier number on a shared
machine).

    .venv/bin/python -m bench.gateway.auth_cost [--duration 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import orjson
import psutil
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.gateway.run import GATEWAY_PORT, HERE, PY, _process, _wait_http, _wait_port, _wrk
from rumah.common.keys import new_signing_key

QUERY = "one_subgraph"


@contextlib.contextmanager
def issuer() -> Iterator[tuple[str, str]]:
    """A local OpenID issuer (discovery + JWKS) and a token it issued: (issuer URL, token)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}/realms/bench"
    documents = {
        "/realms/bench/.well-known/openid-configuration": {
            "issuer": url,
            "jwks_uri": url + "/certs",
        },
        "/realms/bench/certs": {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]},
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = orjson.dumps(documents.get(self.path, {}))
            self.send_response(200 if self.path in documents else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    now = int(time.time())
    claims = {
        "iss": url,
        "aud": "rumah-gateway",
        "sub": "bench",
        "iat": now,
        "exp": now + 3600,
        "realm_access": {"roles": ["auditor"]},
        "scope": "bench:read",
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    try:
        yield url, token
    finally:
        server.shutdown()


def http_parser() -> str:
    """Which build of uvicorn's HTTP/1.1 parser serves: the token's bytes cost ≈ 6× more
    instructions without llhttp's SSE4.2 scans (``tools/native/http_parser.py``)."""
    import importlib.metadata

    from httptools.parser import parser

    simd = b"\x66\x0f\x3a\x61" in Path(parser.__file__).read_bytes()  # pcmpestri
    version = importlib.metadata.version("httptools")
    return f"httptools {version}, " + ("SSE4.2 header scans" if simd else "stock (byte-wise scans)")


def _gateway() -> list[str]:
    return [
        PY,
        "-m",
        "gateway",
        "serve",
        "--supergraph",
        str(HERE / "supergraph.graphql"),
        "--port",
        str(GATEWAY_PORT),
    ]


def _measure(
    env: dict[str, str], body: Path, duration: int, connections: int, authorization: str | None
) -> dict[str, float]:
    url = f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
    with _process(_gateway(), env) as proc:
        _wait_http(f"http://127.0.0.1:{GATEWAY_PORT}/health", 120)
        _wrk(url, body, 2, connections, authorization=authorization)  # warm-up
        before = psutil.Process(proc.pid).cpu_times()
        rate, output = _wrk(url, body, duration, connections, authorization=authorization)
        after = psutil.Process(proc.pid).cpu_times()
    used = (after.user + after.system) - (before.user + before.system)
    errors = output.split("non2xx_or_errors=")[-1].split()[0]
    return {
        "rps": rate,
        "cpu_us_per_request": used / (rate * duration) * 1e6,
        "errors": float(errors),
    }


def auth_cost(duration: int = 10, connections: int = 32, rounds: int = 3) -> dict[str, Any]:
    private, _ = new_signing_key()
    off_env = {
        "RUMAH_GATEWAY_LOG_LEVEL": "warning",
        "RUMAH_GATEWAY_AUTH": "none",
        "RUMAH_GATEWAY_ACCESS_RECORDS": "off",
    }
    out: dict[str, Any] = {
        "duration_s": duration,
        "connections": connections,
        "rounds": rounds,
        "query": QUERY,
        "http_parser": http_parser(),
        "off": [],
        "off_token": [],
        "on": [],
    }
    with contextlib.ExitStack() as stack:
        stack.enter_context(_process([PY, "-m", "bench.gateway.subgraphs"]))
        for port in (4101, 4102, 4103, 4104):
            _wait_port(port)
        url, token = stack.enter_context(issuer())
        on_env = {
            **off_env,
            "RUMAH_GATEWAY_AUTH": "required",
            "RUMAH_GATEWAY_OIDC_ISSUER": url,
            "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY": private,
            "RUMAH_GATEWAY_RATE_LIMIT_PER_S": "1000000",
            "RUMAH_GATEWAY_RATE_LIMIT_BURST": "1000000",
        }
        body = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "q.json"
        body.write_bytes(
            orjson.dumps({"query": (HERE / "queries" / f"{QUERY}.graphql").read_text()})
        )
        for _ in range(rounds):  # alternate, so drifting load hits both alike
            out["off"].append(_measure(off_env, body, duration, connections, None))
            # auth off, the same token sent anyway: what its bytes cost on the wire
            out["off_token"].append(
                _measure(off_env, body, duration, connections, f"Bearer {token}")
            )
            out["on"].append(_measure(on_env, body, duration, connections, f"Bearer {token}"))
    for side in ("off", "off_token", "on"):
        out[f"{side}_median"] = {
            k: statistics.median(r[k] for r in out[side]) for k in ("rps", "cpu_us_per_request")
        }
    off, on = out["off_median"], out["on_median"]
    out["throughput_cost_percent"] = round((1 - on["rps"] / off["rps"]) * 100, 1)
    out["cpu_cost_percent"] = round(
        (on["cpu_us_per_request"] / off["cpu_us_per_request"] - 1) * 100, 1
    )
    token_only = out["off_token_median"]
    out["token_bytes_cost_percent"] = round((1 - token_only["rps"] / off["rps"]) * 100, 1)
    out["auth_work_cpu_us"] = round(on["cpu_us_per_request"] - token_only["cpu_us_per_request"], 1)
    # each round's own cost (its JWT-on run against its auth-off run): how far the rounds
    # spread, next to the medians' ratio above (the budget's figure)
    out["round_costs_percent"] = [
        round((1 - on_run["rps"] / off_run["rps"]) * 100, 1)
        for off_run, on_run in zip(out["off"], out["on"], strict=True)
    ]
    out["errors"] = sum(r["errors"] for side in ("off", "off_token", "on") for r in out[side])
    out["within_5_percent"] = out["throughput_cost_percent"] <= 5.0
    # the added CPU per request without the network, as a share of the served request's
    out["inprocess"] = inprocess_cost(3000 if duration >= 10 else 1000, 7 if duration >= 10 else 3)
    out["inprocess"]["share_of_served_request_percent"] = round(
        out["inprocess"]["added_us"] / out["off_median"]["cpu_us_per_request"] * 100, 1
    )
    return out


def table(result: dict[str, Any]) -> str:
    off, on = result["off_median"], result["on_median"]
    token = result["off_token_median"]
    return "\n".join(
        [
            f"gateway, {result['query']}, {result['rounds']} alternating rounds of {result['duration_s']} s"
            f" ({result['http_parser']}):",
            f"  auth off   {off['rps']:8.0f} req/s   {off['cpu_us_per_request']:6.0f} µs CPU/request",
            f"  off+token  {token['rps']:8.0f} req/s   {token['cpu_us_per_request']:6.0f} µs CPU/request"
            f"   (auth off, the JWT sent anyway: {result['token_bytes_cost_percent']:+.1f} % throughput)",
            f"  JWT on     {on['rps']:8.0f} req/s   {on['cpu_us_per_request']:6.0f} µs CPU/request",
            f"  cost       {result['throughput_cost_percent']:+.1f} % throughput, "
            f"{result['cpu_cost_percent']:+.1f} % CPU per request (budget: 5 % throughput); "
            f"the auth work beyond the token's bytes: {result['auth_work_cpu_us']:+.1f} µs CPU/request",
            "  per round   "
            + ", ".join(f"{c:+.1f} %" for c in result["round_costs_percent"])
            + " (each round's JWT on against its auth off: the spread)",
            f"  in-process (no network, best of {result['inprocess']['rounds']}): "
            f"{result['inprocess']['best_off_us']} → {result['inprocess']['best_on_us']} µs: auth adds "
            f"{result['inprocess']['added_us']} µs = {result['inprocess']['share_of_served_request_percent']} % "
            "of a served request's CPU",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = auth_cost(args.duration, args.connections, args.rounds)
    print(table(result))
    print(json.dumps(result, indent=2))


def inprocess_cost(n: int = 3000, rounds: int = 5) -> dict[str, Any]:
    """The same comparison without a network: the ASGI app driven in-process, wired as
    production wires it (request-id middleware, the HTTP subgraph fetcher signing each
    principal's credential, every subgraph request encoded as it would be sent; the bench
    subgraphs answer in memory), CPU time per request with auth off and on, alternating
    rounds, best of each (the least disturbed by other work on the machine)."""
    import asyncio
    from collections.abc import Mapping, MutableMapping

    from bench.gateway.inprocess import InMemoryFetcher
    from gateway.app import GatewayApp
    from gateway.auth import AccessGate
    from gateway.auth.jwt import IssuerKeys, JwtAuthenticator, OidcConfig
    from gateway.auth.rate_limit import RateLimiter
    from gateway.auth.setup import OpenGate
    from gateway.auth.subgraph_credentials import SubgraphSigner
    from gateway.client.h1 import ConnectionPool, Origin
    from gateway.client.http_fetcher import HttpSubgraphFetcher
    from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
    from gateway.http.health import HealthEndpoint
    from gateway.ports import SubgraphInfo
    from gateway.request.pipeline import Pipeline
    from gateway.request.prepare import PrepareConfig
    from gateway.request.state import StateHolder, build_state
    from rumah.common.keys import load_private_key
    from rumah.common.request_id import RequestIdMiddleware

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer_url = "https://sso.bench/realms/rumah"
    config = OidcConfig(issuer=issuer_url, audiences=("rumah-gateway",), jwks_min_interval_s=1e9)
    keys = IssuerKeys(config)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    keys.keys = {"k1": jwt.PyJWK({**jwk, "kid": "k1", "alg": "RS256", "use": "sig"})}
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": issuer_url,
            "aud": "rumah-gateway",
            "sub": "bench",
            "iat": now,
            "exp": now + 3600,
            "realm_access": {"roles": ["auditor"]},
        },
        key,
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    sdl = (HERE / "supergraph.graphql").read_text()
    subgraphs = InMemoryFetcher().subgraphs
    signer = SubgraphSigner(load_private_key(new_signing_key()[0], "bench"))

    class InMemoryTransport:
        """The subgraph transport with the network left out: the request is encoded as the
        HTTP/1.1 client would send it (credential header included), the bench subgraph
        answers the body bytes."""

        def __init__(self) -> None:
            self.pools = {
                name: ConnectionPool(Origin.parse(f"http://127.0.0.1:1/{name}"))
                for name in subgraphs
            }

        async def post(
            self,
            url: str,
            body: bytes,
            headers: Mapping[str, str] | None,
            time_limit: float,
            retry: bool,
        ) -> tuple[int, str, bytes]:
            name = url.rsplit("/", 1)[-1]
            self.pools[name]._encode(body, headers)  # what the wire would carry
            return 200, "OK", subgraphs[name].answer(body)

    def app(on: bool) -> Any:
        """Wired as ``gateway.app.create_app`` wires production: the HTTP fetcher signing a
        credential per principal and subgraph (on), the request-id middleware."""

        def fetcher(subgraph_infos: Mapping[str, SubgraphInfo]) -> HttpSubgraphFetcher:
            infos = {
                name: SubgraphInfo(name, f"http://127.0.0.1:1/{name}") for name in subgraph_infos
            }
            return HttpSubgraphFetcher(
                InMemoryTransport(), infos, credentials=signer.credential if on else None
            )

        holder = StateHolder(build_state(sdl, fetcher))
        gate = (
            AccessGate(JwtAuthenticator(config, keys), limiter=RateLimiter(1e9, 10**9))
            if on
            else OpenGate()
        )
        # production forwards no client header unless configured (RUMAH_GATEWAY_FORWARD_HEADERS)
        options = EndpointOptions(forward_headers=frozenset())
        endpoint = GraphQLEndpoint(holder, Pipeline(PrepareConfig()), options, gate=gate)
        return RequestIdMiddleware(GatewayApp(graphql=endpoint, health=HealthEndpoint(holder)))

    body = orjson.dumps({"query": (HERE / "queries" / f"{QUERY}.graphql").read_text()})

    async def drive(target: Any, auth: bool) -> float:
        headers = [(b"content-type", b"application/json"), (b"accept", b"application/json")]
        if auth:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/graphql",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 1),
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        statuses: list[int] = []

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        for _ in range(200):  # warm-up: plans, caches
            await target(scope, receive, send)
        statuses.clear()
        started = time.process_time()
        for _ in range(n):
            await target(scope, receive, send)
        elapsed = time.process_time() - started
        assert set(statuses) == {200}, set(statuses)
        return elapsed / n * 1e6

    off_app, on_app = app(False), app(True)
    off: list[float] = []
    on: list[float] = []
    for _ in range(rounds):
        off.append(asyncio.run(drive(off_app, False)))
        on.append(asyncio.run(drive(on_app, True)))
    best_off, best_on = min(off), min(on)
    return {
        "n": n,
        "rounds": rounds,
        "off_us": [round(x, 1) for x in off],
        "on_us": [round(x, 1) for x in on],
        "best_off_us": round(best_off, 1),
        "best_on_us": round(best_on, 1),
        "added_us": round(best_on - best_off, 1),
        "cpu_cost_percent": round((best_on / best_off - 1) * 100, 1),
    }


if __name__ == "__main__":
    main()
