"""What tracing costs the gateway: the 1-subgraph query through ``rumah gateway serve`` with
tracing off (no exporter configured), on (OTLP/HTTP to a local sink, every request sampled)
and on but sampled out (``OTEL_TRACES_SAMPLER=always_off``), side by side, alternating
rounds so a busy machine hits them alike; ``--base DIR`` adds a gateway run from another
source tree (e.g. ``git archive`` of the commit before tracing; ``-P`` keeps the cwd off
sys.path, so PYTHONPATH decides) as the "no tracing code"
reference.

    .venv/bin/python -m bench.gateway.tracing [--duration 10] [--rounds 2] [--base DIR]
    .venv/bin/python -m bench.gateway.tracing --in-process [--rounds 4] [--base DIR]

``--in-process`` measures the same without sockets and wrk: the production app
(``create_app``: middlewares, pipeline, HTTP fetcher) with the subgraph transport answered
in memory by the bench subgraphs, CPU time per request (the best of 12 runs of 2,000
requests, per process; rounds alternate the variants) — far less noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
from pathlib import Path

from bench.gateway.run import GATEWAY_PORT, HERE, PY, _process, _wait_http, _wait_port, measure

SINK_PORT = 4318


def _sink() -> None:
    """An OTLP/HTTP receiver that accepts and drops spans (the collector's part, for load)."""
    import uvicorn

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()  # type: ignore[operator]
            more = message.get("more_body", False)
        await send(
            {
                "type": "http.response.start",
                "status": 200,  # type: ignore[operator]
                "headers": [(b"content-type", b"application/x-protobuf")],
            }
        )
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]

    uvicorn.run(app, host="127.0.0.1", port=SINK_PORT, log_level="warning", access_log=False)


VARIANTS: dict[str, dict[str, str]] = {
    "off": {},
    "on": {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{SINK_PORT}",
        "OTEL_TRACES_SAMPLER": "always_on",
    },
    "on, sampled out": {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{SINK_PORT}",
        "OTEL_TRACES_SAMPLER": "always_off",
    },
}


def _cpu_per_request(n: int = 2000, runs: int = 12) -> float:
    """Best CPU µs per request of the production app, transport in memory (this process)."""
    import asyncio
    import time
    from typing import Any

    import orjson

    import gateway.app as gateway_app
    from bench.gateway.subgraphs import Subgraph
    from gateway.settings import GatewaySettings

    try:
        from rumah.common.tracing import configure_tracing
    except ImportError:  # the base tree: no tracing code at all
        pass
    else:
        configure_tracing("bench-gateway")
    subgraphs = [Subgraph(n) for n in ("products", "inventory", "reviews", "accounts")]

    class Transport:
        async def post(self, url: str, body: bytes, *_: Any) -> tuple[int, str, bytes]:
            port = int(url.rsplit(":", 1)[1].split("/")[0])  # 4101.. in the supergraph
            return 200, "OK", subgraphs[port - 4101].answer(body)

    @contextlib.asynccontextmanager
    async def in_memory(*_: Any, **__: Any) -> Any:
        yield Transport()

    gateway_app.subgraph_transport = in_memory  # type: ignore[assignment]

    async def run() -> float:
        app = gateway_app.create_app(
            GatewaySettings(
                _env_file=None,
                hot_reload=False,
                auth="none",  # type: ignore[call-arg]
                access_records="off",
            ),
            HERE / "supergraph.graphql",
        )
        lifespan: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        await lifespan.put({"type": "lifespan.startup"})

        async def ignore(message: Any) -> None:
            return None

        task = asyncio.create_task(app({"type": "lifespan"}, lifespan.get, ignore))
        query = (HERE / "queries" / "one_subgraph.graphql").read_text()
        body = orjson.dumps({"query": query})
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/graphql",
            "query_string": b"",
            "headers": [(b"content-type", b"application/json")],
        }
        answers: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Any) -> None:
            if message["type"] == "http.response.body":
                answers.append(message["body"])

        for _ in range(400):  # until the supergraph is loaded and the answer is right
            await asyncio.sleep(0.02)
            answers.clear()
            await app(dict(scope), receive, send)
            if answers and b'"errors"' not in answers[0] and b'"data"' in answers[0]:
                break
        else:
            raise RuntimeError(f"the gateway does not answer: {answers[:1]}")
        for _ in range(500):
            await app(dict(scope), receive, send)
        best = float("inf")
        for _ in range(runs):
            started = time.process_time()
            for _ in range(n):
                await app(dict(scope), receive, send)
            best = min(best, (time.process_time() - started) / n * 1e6)
        await lifespan.put({"type": "lifespan.shutdown"})
        await task
        return best

    return asyncio.run(run())


def _in_process(variants: dict[str, dict[str, str]], rounds: int) -> None:
    import subprocess

    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    results: dict[str, list[float]] = {name: [] for name in variants}
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for round_ in range(rounds):
        for name, env in variants.items():
            # the variant's tree first (--base), then this one (for bench.gateway itself)
            path = [p for p in (env.get("PYTHONPATH"), str(HERE.parents[1])) if p]
            done = subprocess.run(
                [PY, "-P", str(Path(__file__).resolve()), "--measure"],  # not -m: the base lacks it
                env={**clean, **env, "PYTHONPATH": os.pathsep.join(path)},
                capture_output=True,
                text=True,
                check=True,
                cwd=HERE.parents[1],
            )
            micros = float(done.stdout.strip().splitlines()[-1])
            results[name].append(micros)
            print(f"round {round_ + 1} {name:24s} CPU {micros:6.1f} µs/request", flush=True)
    print("\nbest over rounds (1-subgraph query, in-process):")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"  {name:24s} CPU {min(values):6.1f} µs/request  (median {median:.1f})")


def main() -> None:
    if "--sink" in sys.argv:
        _sink()
        return
    if "--measure" in sys.argv:
        print(f"{_cpu_per_request():.2f}")
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base", type=Path, help="source tree of a gateway without tracing")
    parser.add_argument("--in-process", action="store_true", help="no sockets: CPU per request")
    args = parser.parse_args()
    variants = dict(VARIANTS)
    if args.base:
        variants = {"base (no tracing code)": {"PYTHONPATH": str(args.base.resolve())}, **variants}
    if args.in_process:
        with _process([PY, "-m", "bench.gateway.tracing", "--sink"]):  # where "on" exports
            _wait_port(SINK_PORT)
            _in_process(variants, args.rounds)
        return
    clean = {k: "" for k in os.environ if k.startswith("OTEL_")}
    results: dict[str, list[dict[str, float | None]]] = {name: [] for name in variants}
    gw = f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
    command = [
        PY,
        "-P",
        "-m",
        "gateway",
        "serve",
        "--supergraph",
        str(HERE / "supergraph.graphql"),
        "--port",
        str(GATEWAY_PORT),
    ]
    with contextlib.ExitStack() as stack:
        stack.enter_context(_process([PY, "-m", "bench.gateway.subgraphs"]))
        stack.enter_context(_process([PY, "-m", "bench.gateway.tracing", "--sink"]))
        for port in (4101, 4102, 4103, 4104, SINK_PORT):
            _wait_port(port)
        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
        for round_ in range(args.rounds):
            for name, env in variants.items():
                env = {
                    **clean,
                    "RUMAH_GATEWAY_LOG_LEVEL": "warning",
                    "RUMAH_GATEWAY_AUTH": "none",
                    "RUMAH_GATEWAY_ACCESS_RECORDS": "off",
                    **env,
                }
                with _process(command, env) as proc:
                    _wait_http(f"http://127.0.0.1:{GATEWAY_PORT}/health", 120)
                    row = measure(
                        gw,
                        "one_subgraph",
                        duration=args.duration,
                        connections=args.connections,
                        pid=proc.pid,
                    )
                results[name].append(row)
                print(
                    f"round {round_ + 1} {name:24s} {row['rps']:8.0f} req/s  "
                    f"CPU {row['cpu_us_per_request']:5.0f} µs/request  "
                    f"p50 {row['p50_ms']} ms  p99 {row['p99_ms']} ms  errors {row['errors']}",
                    flush=True,
                )
    print("\nmedian over rounds (1-subgraph query):")
    for name, rows in results.items():
        rps = statistics.median(r["rps"] or 0 for r in rows)
        cpu = statistics.median(r["cpu_us_per_request"] or 0 for r in rows)
        p99 = statistics.median(r["p99_ms"] or 0 for r in rows)
        print(f"  {name:24s} {rps:8.0f} req/s  CPU {cpu:5.0f} µs/request  p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
