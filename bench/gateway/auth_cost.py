# ruff: noqa: E501 - tables and settings read best one per line

"""What OpenID Connect costs the gateway: the 1-subgraph query with auth off and with JWT
auth on, side by side (issue #9: at most 5 % of throughput).

"On" is the production path: an RS256 JWT verified against an issuer's JWKS (served here by
a tiny local issuer), the principal's grants, its rate limit (set high enough never to
refuse), and a signed credential for the subgraph on every fetch. Access records are off in
every gateway, so the difference is authentication and subgraph credentials only. A third
gateway, auth off, gets the same token anyway: what its bytes alone cost.

Side by side means at the same moments: the three gateways run at once, pinned together to
one CPU, each saturated by its own wrk (the clients, the subgraphs and the issuer on the other
CPUs), so the scheduler shares that CPU between them and whatever else slows the machine
slows all three alike. Each round starts three new gateways (whatever fixes a process's speed
for its life — where its code and data landed — is then sampled, not repeated in every
round), warms them up, then gives each one's requests/s and CPU time per request; a round's
cost is JWT on against auth off in that round, and the figure is the median of the rounds.
(Run one after the other instead, this machine's speed moved by more than the budget between
two 10 s runs: rounds spread from -7 % to +25 %; side by side, from +3 % to +8 %.) With one
CPU the gateways share it with everything else.

    .venv/bin/python -m bench.gateway.auth_cost [--duration 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
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


def access_gate() -> str:
    """Which access gate the gateways this bench starts run: compiled by mypyc from today's
    sources, or the sources (``gateway/auth/native.py``; ``RUMAH_GATEWAY_NATIVE``)."""
    import os

    from gateway.auth import native

    if os.environ.get("RUMAH_GATEWAY_NATIVE", "auto") == "off":
        return "access gate: sources (RUMAH_GATEWAY_NATIVE=off)"
    reason = native.why_not_current()[0]
    return "access gate: compiled" if reason is None else f"access gate: sources ({reason})"


SIDES = ("off", "off_token", "on")
PORTS = {"off": GATEWAY_PORT, "off_token": GATEWAY_PORT + 1, "on": GATEWAY_PORT + 2}


def _gateway(port: int) -> list[str]:
    return [
        PY,
        "-m",
        "gateway",
        "serve",
        "--supergraph",
        str(HERE / "supergraph.graphql"),
        "--port",
        str(port),
    ]


def _cpus() -> tuple[set[int], set[int]]:
    """(the gateways' CPU, everybody else's): the last CPU this process may use, the rest."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return set(cpus), set(cpus)
    return {cpus[-1]}, set(cpus[:-1])


def _round(
    procs: dict[str, Any],
    body: Path,
    duration: int,
    connections: int,
    tokens: dict[str, str | None],
) -> dict[str, dict[str, float]]:
    """One round: every gateway driven at once by its own wrk for ``duration`` seconds."""
    before = {side: psutil.Process(proc.pid).cpu_times() for side, proc in procs.items()}
    done: dict[str, tuple[float, str]] = {}

    def drive(side: str) -> None:
        url = f"http://127.0.0.1:{PORTS[side]}/graphql"
        done[side] = _wrk(url, body, duration, connections, authorization=tokens[side])

    threads = [threading.Thread(target=drive, args=(side,)) for side in procs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out = {}
    for side, proc in procs.items():
        after = psutil.Process(proc.pid).cpu_times()
        used = (after.user + after.system) - (before[side].user + before[side].system)
        rate, output = done[side]
        out[side] = {
            "rps": rate,
            "cpu_us_per_request": used / (rate * duration) * 1e6,
            "errors": float(output.split("non2xx_or_errors=")[-1].split()[0]),
        }
    return out


def auth_cost(duration: int = 10, connections: int = 16, rounds: int = 5) -> dict[str, Any]:
    private, _ = new_signing_key()
    off_env = {
        "RUMAH_GATEWAY_LOG_LEVEL": "warning",
        "RUMAH_GATEWAY_AUTH": "none",
        "RUMAH_GATEWAY_ACCESS_RECORDS": "off",
    }
    gateway_cpu, other_cpus = _cpus()
    out: dict[str, Any] = {
        "duration_s": duration,
        "connections": connections,
        "rounds": rounds,
        "query": QUERY,
        "http_parser": http_parser(),
        "access_gate": access_gate(),
        "gateway_cpu": sorted(gateway_cpu),
        "off": [],
        "off_token": [],
        "on": [],
    }
    mine = os.sched_getaffinity(0)
    with contextlib.ExitStack() as stack:
        # the subgraphs, the issuer's thread and every wrk inherit this process's CPUs
        os.sched_setaffinity(0, other_cpus)
        stack.callback(os.sched_setaffinity, 0, mine)
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
        envs = {"off": off_env, "off_token": off_env, "on": on_env}
        # auth off with the token sent anyway: what its bytes cost on the wire
        tokens = {"off": None, "off_token": f"Bearer {token}", "on": f"Bearer {token}"}
        for _ in range(rounds):
            # new processes every round: where a process's code and data happen to land
            # (address layout, cache sets) moves its speed by a few percent for its whole
            # life, so one set of gateways would be biased for every round alike
            with contextlib.ExitStack() as gateways:
                procs = {}
                for side in SIDES:
                    proc = gateways.enter_context(_process(_gateway(PORTS[side]), envs[side]))
                    os.sched_setaffinity(proc.pid, gateway_cpu)
                    procs[side] = proc
                for side in SIDES:
                    _wait_http(f"http://127.0.0.1:{PORTS[side]}/health", 120)
                _round(procs, body, 2, connections, tokens)  # warm-up: plans, caches, keys
                measured = _round(procs, body, duration, connections, tokens)
            for side in SIDES:
                out[side].append(measured[side])
    for side in SIDES:
        out[f"{side}_median"] = {
            k: statistics.median(r[k] for r in out[side]) for k in ("rps", "cpu_us_per_request")
        }

    def costs(side: str, key: str) -> list[float]:
        """Each round's cost of ``side`` against auth off in that same round, in %."""
        pairs = zip(out["off"], out[side], strict=True)
        if key == "rps":
            return [round((1 - b["rps"] / a["rps"]) * 100, 1) for a, b in pairs]
        return [round((b[key] / a[key] - 1) * 100, 1) for a, b in pairs]

    out["round_costs_percent"] = costs("on", "rps")
    out["round_cpu_costs_percent"] = costs("on", "cpu_us_per_request")
    out["throughput_cost_percent"] = statistics.median(out["round_costs_percent"])
    out["cpu_cost_percent"] = statistics.median(out["round_cpu_costs_percent"])
    out["token_bytes_cost_percent"] = statistics.median(costs("off_token", "rps"))
    token_only, on = out["off_token_median"], out["on_median"]
    out["auth_work_cpu_us"] = round(on["cpu_us_per_request"] - token_only["cpu_us_per_request"], 1)
    out["errors"] = sum(r["errors"] for side in SIDES for r in out[side])
    # an answer that is not a 200 with data (a 401, a 429) would make a side look cheap
    out["within_5_percent"] = out["throughput_cost_percent"] <= 5.0 and not out["errors"]
    # the added CPU per request without the network (its share: of the in-process request,
    # not of the served one above, which shares its CPU with two other gateways)
    out["inprocess"] = inprocess_cost(3000 if duration >= 10 else 1000, 7 if duration >= 10 else 3)
    return out


def table(result: dict[str, Any]) -> str:
    off, on = result["off_median"], result["on_median"]
    token = result["off_token_median"]
    return "\n".join(
        [
            f"gateway, {result['query']}, {result['rounds']} rounds of {result['duration_s']} s, the three gateways"
            f" at once on CPU {result['gateway_cpu']} ({result['http_parser']};"
            f" {result['access_gate']}):",
            f"  auth off   {off['rps']:8.0f} req/s   {off['cpu_us_per_request']:6.1f} µs CPU/request",
            f"  off+token  {token['rps']:8.0f} req/s   {token['cpu_us_per_request']:6.1f} µs CPU/request"
            f"   (auth off, the JWT sent anyway: {result['token_bytes_cost_percent']:+.1f} % throughput)",
            f"  JWT on     {on['rps']:8.0f} req/s   {on['cpu_us_per_request']:6.1f} µs CPU/request",
            f"  cost       {result['throughput_cost_percent']:+.1f} % throughput, "
            f"{result['cpu_cost_percent']:+.1f} % CPU per request (medians of the rounds; budget: 5 % throughput); "
            f"the auth work beyond the token's bytes: {result['auth_work_cpu_us']:+.1f} µs CPU/request",
            "  per round   "
            + ", ".join(f"{c:+.1f} %" for c in result["round_costs_percent"])
            + " throughput (JWT on against auth off, in the same seconds)",
            f"  in-process (no network, best of {result['inprocess']['rounds']}): "
            f"{result['inprocess']['best_off_us']} → {result['inprocess']['best_on_us']} µs: auth adds "
            f"{result['inprocess']['added_us']} µs = {result['inprocess']['cpu_cost_percent']} % "
            "of an in-process request's CPU; round by round "
            + ", ".join(f"{x:+.1f}" for x in result["inprocess"]["round_added_us"])
            + f" µs (median {result['inprocess']['median_added_us']:+.1f})",
            f"  errors     {result['errors']:.0f} answers that were not a 200 with data"
            + ("" if not result["errors"] else " — the figures above do not count"),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16, help="per gateway")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = auth_cost(args.duration, args.connections, args.rounds)
    print(table(result))
    print(json.dumps(result, indent=2))
    if result["errors"]:
        raise SystemExit(1)


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
            encoded: bytes = b"",
        ) -> tuple[int, str, bytes]:
            name = url.rsplit("/", 1)[-1]
            self.pools[name]._encode(body, headers, encoded)  # what the wire would carry
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
        # each round's on against its off (the same seconds): how far the best-of figure can
        # be trusted on a machine whose speed moves
        "round_added_us": [round(b - a, 1) for a, b in zip(off, on, strict=True)],
        "median_added_us": round(statistics.median(b - a for a, b in zip(off, on, strict=True)), 1),
        "cpu_cost_percent": round((best_on / best_off - 1) * 100, 1),
    }


if __name__ == "__main__":
    main()
