"""Gateway CPU per request as a repeatable count: machine instructions (valgrind) per
in-process request, for before/after decisions on a loaded, shared machine where CPU time
varies run to run.

Runs ``bench.gateway.inprocess``'s setup twice under ``valgrind --tool=cachegrind`` (both
runs at once, ``PYTHONHASHSEED=0``): warm-up only, then warm-up + N requests; the difference
divided by N is what one request costs, start-up and warm-up excluded. ``--http`` fetches
from the heavy subgraphs over HTTP with the gateway's own client instead (the subgraphs run
in a separate process, not counted), so the client's cost per subgraph request is included.

    .venv/bin/python -m bench.gateway.instructions [heavy] [-n 20] [--http]

``RUMAH_GATEWAY_NATIVE=off`` measures the pure-Python reference executor, the default
(``auto``) the compiled kernel when built (the line printed first says which ran).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys

import orjson

WARM = 30
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _drive(name: str, n: int) -> None:
    from bench.gateway import inprocess

    app, query = inprocess._setup(name)
    body = orjson.dumps({"query": query})
    asyncio.run(inprocess._drive(app, body, WARM))
    if n:
        asyncio.run(inprocess._drive(app, body, n))


def _drive_http(n: int) -> None:
    import uvloop

    from bench.gateway import inprocess
    from gateway.app import GatewayApp
    from gateway.client import HttpSubgraphFetcher, subgraph_transport
    from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
    from gateway.http.health import HealthEndpoint
    from gateway.request.state import StateHolder, build_state

    heavy = inprocess.HERE / "heavy"

    async def drive() -> None:
        async with subgraph_transport() as transport:
            state = build_state(
                (heavy / "supergraph.graphql").read_text(),
                lambda subgraphs: HttpSubgraphFetcher(transport, subgraphs),
            )
            holder = StateHolder(state)
            app = GatewayApp(
                graphql=GraphQLEndpoint(holder, inprocess.pipeline(), EndpointOptions()),
                health=HealthEndpoint(holder),
            )
            body = orjson.dumps({"query": (heavy / "query.graphql").read_text()})
            await inprocess._drive(app, body, WARM)
            if n:
                await inprocess._drive(app, body, n)

    uvloop.run(drive())


def _valgrind(name: str, n: int, http: bool = False) -> subprocess.Popen[str]:
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.gateway.instructions",
        name,
        "--drive",
        str(n),
        *(["--http"] if http else []),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _refs(process: subprocess.Popen[str]) -> int:
    _, err = process.communicate()
    found = _REFS.search(err)
    if process.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind run failed:\n{err[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(name: str, n: int, http: bool = False) -> float:
    """Instructions one request of ``name`` costs (valgrind must be installed)."""
    base, measured = _valgrind(name, 0, http), _valgrind(name, n, http)
    return (_refs(measured) - _refs(base)) / n


def _http_per_request(n: int) -> float:
    from bench.gateway.heavy.subgraphs import PORTS
    from bench.gateway.run import PY, _process, _wait_port

    with _process([PY, "-m", "bench.gateway.heavy.subgraphs"]):
        for port in PORTS.values():
            _wait_port(port)
        return per_request("heavy", n, http=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("query", nargs="?", default="heavy")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--http", action="store_true", help="heavy over the real client")
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive is not None:
        # the collector as `rumah gateway serve` sets it (RUMAH_GATEWAY_GC_YOUNG_THRESHOLD):
        # Python's default would count young collections the served gateway does not make
        from gateway.settings import GatewaySettings
        from rumah.common.gc_tuning import set_young_threshold
        from rumah.common.settings import load_settings

        set_young_threshold(load_settings(GatewaySettings).gc_young_threshold)
        if args.http:
            _drive_http(args.drive)
        else:
            _drive(args.query, args.drive)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    from bench.gateway.inprocess import kernel_label

    print(f"executor: {kernel_label()} (RUMAH_GATEWAY_NATIVE)")
    if args.http:
        count = _http_per_request(args.n)
        print(f"heavy over HTTP: {count / 1e6:.2f} M instructions per request (n={args.n})")
        return
    count = per_request(args.query, args.n)
    print(f"{args.query}: {count / 1e6:.2f} M instructions per request (n={args.n})")


if __name__ == "__main__":
    main()
