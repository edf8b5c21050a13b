# ruff: noqa: E501 - tables read best one per line

"""The adaptive execution limit (gateway/request/slots.py) with slow subgraphs: does it get
out of the way when executions wait on I/O? Side by side, alternating: the gateway with no
limit (``RUMAH_GATEWAY_EXECUTION_SLOTS=0``) and with the default adaptive one, on the
3-subgraph query, the bench subgraphs answering after ``--delay-ms`` each, many connections.
A fixed limit of 8 with a 50 ms hold would start at most 160 executions per second here.

    .venv/bin/python -m bench.gateway.slots [--delay-ms 50] [--connections 400] [--duration 8]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import statistics
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from bench.gateway.run import GATEWAY_PORT, HERE, PY, _process, _wait_http, _wait_port, _wrk

QUERY = "three_subgraphs"
SIDES = {
    "no limit": {"RUMAH_GATEWAY_EXECUTION_SLOTS": "0"},
    "adaptive (default)": {},
    "fixed 8": {"RUMAH_GATEWAY_EXECUTION_SLOTS_MAX": "8"},
}


def _metric(name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{GATEWAY_PORT}/metrics", timeout=10) as r:
        text = r.read().decode()
    match = re.search(rf"^{name} ([\d.e+]+)$", text, re.M)
    return float(match.group(1)) if match else float("nan")


def run(
    delay_ms: int = 50, connections: int = 400, duration: int = 8, rounds: int = 2
) -> dict[str, Any]:
    base = {
        "RUMAH_GATEWAY_LOG_LEVEL": "warning",
        "RUMAH_GATEWAY_AUTH": "none",
        "RUMAH_GATEWAY_ACCESS_RECORDS": "off",
        "RUMAH_GATEWAY_DEDUPLICATE_REQUESTS": "false",
        "RUMAH_GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS": "false",
        # every execution slotted, as a large operation's would be (this query's answer is small)
        "RUMAH_GATEWAY_EXECUTION_SLOT_MIN_BYTES": "0",
    }
    out: dict[str, Any] = {"delay_ms": delay_ms, "connections": connections, "duration_s": duration}
    results: dict[str, list[dict[str, float]]] = {side: [] for side in SIDES}
    gateway = [
        PY,
        "-m",
        "gateway",
        "serve",
        "--supergraph",
        str(HERE / "supergraph.graphql"),
        "--port",
        str(GATEWAY_PORT),
    ]
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            _process(
                [PY, "-m", "bench.gateway.subgraphs"], {"BENCH_SUBGRAPH_DELAY_MS": str(delay_ms)}
            )
        )
        for port in (4101, 4102, 4103, 4104):
            _wait_port(port)
        body = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "q.json"
        body.write_bytes(
            orjson.dumps({"query": (HERE / "queries" / f"{QUERY}.graphql").read_text()})
        )
        url = f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
        for _ in range(rounds):
            for side, env in SIDES.items():
                with _process(gateway, {**base, **env}):
                    _wait_http(f"http://127.0.0.1:{GATEWAY_PORT}/health", 120)
                    _wrk(url, body, 2, connections, timeout_s=30)  # warm-up
                    rate, text = _wrk(url, body, duration, connections, timeout_s=30)
                    p99 = re.search(r"99%\s+([\d.]+)(\w+)", text)
                    results[side].append(
                        {
                            "rps": rate,
                            "p99_ms": float(p99.group(1))
                            * {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
                            if p99
                            else float("nan"),
                            "slots_after": _metric("rumah_gateway_execution_slots"),
                        }
                    )
    for side, rows in results.items():
        out[side] = {
            k: statistics.median(r[k] for r in rows) for k in ("rps", "p99_ms", "slots_after")
        }
    return out


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{QUERY}, subgraphs answering after {result['delay_ms']} ms, {result['connections']} connections, "
        f"{result['duration_s']} s, medians of alternating runs:",
        f"  {'execution limit':<22}{'req/s':>9}{'p99 ms':>9}{'slots at the end':>18}",
    ]
    for side in SIDES:
        r = result[side]
        lines.append(f"  {side:<22}{r['rps']:9.0f}{r['p99_ms']:9.0f}{r['slots_after']:18.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay-ms", type=int, default=50)
    parser.add_argument("--connections", type=int, default=400)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    result = run(args.delay_ms, args.connections, args.duration, args.rounds)
    print(table(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
