"""Load-test ``rumah gateway serve`` with wrk in front of the fast bench subgraphs.

Starts the subgraphs and one gateway (one worker), runs wrk per query, and reports the
throughput plus the gateway's CPU time per request — the latter is what one dedicated
core would sustain (1 / CPU per request), useful on a machine shared with other work.

    .venv/bin/python -m bench.gateway.run [--duration 10] [--connections 32] [QUERY ...]
    .venv/bin/python -m bench.gateway.run --gateway-url http://127.0.0.1:4000/graphql  # any gateway
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import psutil

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
PY = sys.executable
GATEWAY_PORT = 4480


def _wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def _wait_port(port: int, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open")


@contextlib.contextmanager
def _process(
    args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        args,
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.PIPE,  # the Apollo oracle exits when its stdin closes
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wrk(
    url: str,
    body_file: Path,
    duration: int,
    connections: int,
    timeout_s: int = 2,
    authorization: str | None = None,
) -> tuple[float, str]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            f"--timeout={timeout_s}s",
            "--latency",
            "-s",
            str(HERE / "post.lua"),
            url,
            "--",
            str(body_file),
            *([authorization] if authorization else []),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1)), out


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str | None) -> float | None:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text or "")
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def measure(
    url: str, query: str, *, duration: int, connections: int, pid: int | None = None
) -> dict[str, float | None]:
    """wrk against ``url`` with the named query; requests/s, p50/p99 ms, errors, CPU/request."""
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / f"{query}.json"
        body.write_bytes(
            orjson.dumps({"query": (HERE / "queries" / f"{query}.graphql").read_text()})
        )
        _wrk(url, body, 2, connections)  # warm-up: plans cached, connections open
        cpu_before = psutil.Process(pid).cpu_times() if pid else None
        rate, output = _wrk(url, body, duration, connections)
    row: dict[str, float | None] = {"rps": rate, "cpu_us_per_request": None}
    if cpu_before is not None and pid is not None:
        after = psutil.Process(pid).cpu_times()
        used = (after.user + after.system) - (cpu_before.user + cpu_before.system)
        row["cpu_us_per_request"] = used / (rate * duration) * 1e6
    errors = re.search(r"non2xx_or_errors=(\d+)", output)
    row["errors"] = float(errors.group(1)) if errors else None
    for q in ("50", "99"):
        found = re.search(rf"{q}%\s+(\S+)", output)
        row[f"p{q}_ms"] = _ms(found.group(1) if found else None)
    return row


def ensure_apollo() -> str | None:
    """Install Apollo Gateway from npm (tools/federation-oracle) once; None, or why not."""
    oracle = ROOT / "tools" / "federation-oracle"
    if (oracle / "node_modules" / "@apollo" / "gateway").is_dir():
        return None
    try:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=oracle,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"npm ci in tools/federation-oracle failed: {exc}"
    return None


def _rumah_gateway() -> list[str]:
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


def _apollo_gateway() -> list[str]:
    return [
        "node",
        str(ROOT / "tools/federation-oracle/gateway.mjs"),
        "--supergraph",
        str(HERE / "supergraph.graphql"),
        "--port",
        str(GATEWAY_PORT),
    ]


QUERIES = {"b": "one_subgraph", "c": "three_subgraphs", "requires": "requires"}


def compare(*, duration: int = 10, connections: int = 32, apollo: bool = True) -> dict[str, object]:
    """The issue's table, one run: (a) the floor, (b)/(c) through Rumah's gateway, (b′)/(c′)
    through Apollo Gateway, on the same supergraph and subgraphs, one after the other."""
    out: dict[str, object] = {"duration_s": duration, "connections": connections}
    rows: dict[str, dict[str, float | None]] = {}
    gw = f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
    with contextlib.ExitStack() as stack:
        stack.enter_context(_process([PY, "-m", "bench.gateway.subgraphs"]))
        for port in (4101, 4102, 4103, 4104):
            _wait_port(port)
        rows["a_floor"] = measure(
            "http://127.0.0.1:4101/graphql",
            "one_subgraph",
            duration=duration,
            connections=connections,
        )
        quiet = {
            "RUMAH_GATEWAY_LOG_LEVEL": "warning",
            "RUMAH_GATEWAY_AUTH": "none",
            "RUMAH_GATEWAY_ACCESS_RECORDS": "off",
        }
        gateways = [("rumah", _rumah_gateway(), quiet)]
        problem = ensure_apollo() if apollo else "not asked for (--no-apollo)"
        if problem is None:
            gateways.append(("apollo", _apollo_gateway(), {"NODE_ENV": "production"}))
        for name, command, env in gateways:  # one at a time: they share the port and CPUs
            with _process(command, env) as proc:
                _wait_http(f"http://127.0.0.1:{GATEWAY_PORT}/health", 120)
                for key, query in QUERIES.items():
                    rows[f"{key}_{name}"] = measure(
                        gw, query, duration=duration, connections=connections, pid=proc.pid
                    )
        if problem is not None:
            out["apollo_skipped"] = problem
    out["rows"] = rows

    def ratio(a: str, b: str) -> float | None:
        x, y = rows.get(a, {}).get("rps"), rows.get(b, {}).get("rps")
        return round(x / y, 2) if x and y else None

    out["ratios"] = {
        "b_vs_floor": ratio("b_rumah", "a_floor"),
        "b_vs_apollo": ratio("b_rumah", "b_apollo"),
        "c_vs_apollo": ratio("c_rumah", "c_apollo"),
        "requires_vs_apollo": ratio("requires_rumah", "requires_apollo"),
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "queries", nargs="*", default=["one_subgraph", "three_subgraphs", "requires"]
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--gateway-url", help="benchmark an already running gateway instead")
    parser.add_argument("--client", default="native", help="RUMAH_GATEWAY_SUBGRAPH_CLIENT")
    parser.add_argument(
        "--apollo",
        action="store_true",
        help="measure Apollo Gateway (tools/federation-oracle, needs npm ci there) instead",
    )
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        stack.enter_context(_process([PY, "-m", "bench.gateway.subgraphs"]))
        for port in (4101, 4102, 4103, 4104):
            _wait_port(port)
        gateway_pid = None
        url = args.gateway_url
        if url is None and args.apollo:
            gateway = stack.enter_context(
                _process(
                    [
                        "node",
                        str(ROOT / "tools/federation-oracle/gateway.mjs"),
                        "--supergraph",
                        str(HERE / "supergraph.graphql"),
                        "--port",
                        str(GATEWAY_PORT),
                    ],
                )
            )
            _wait_http(f"http://127.0.0.1:{GATEWAY_PORT}/health", 120)
            gateway_pid, url = gateway.pid, f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
        elif url is None:
            gateway = stack.enter_context(
                _process(
                    [
                        PY,
                        "-m",
                        "gateway",
                        "serve",
                        "--supergraph",
                        str(HERE / "supergraph.graphql"),
                        "--port",
                        str(GATEWAY_PORT),
                    ],
                    env={
                        "RUMAH_GATEWAY_SUBGRAPH_CLIENT": args.client,
                        "RUMAH_GATEWAY_LOG_LEVEL": "warning",
                        "RUMAH_GATEWAY_AUTH": "none",
                        "RUMAH_GATEWAY_ACCESS_RECORDS": "off",
                    },
                )
            )
            _wait_http(f"http://127.0.0.1:{GATEWAY_PORT}/health", 120)
            gateway_pid, url = gateway.pid, f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        print(f"load average {os.getloadavg()[0]:.1f}; {psutil.cpu_count()} cpus")
        for name in args.queries:
            body = tmp / f"{name}.json"
            body.write_bytes(
                orjson.dumps({"query": (HERE / "queries" / f"{name}.graphql").read_text()})
            )
            _wrk(url, body, 2, args.connections)  # warm-up: plans cached, connections open
            cpu_before = psutil.Process(gateway_pid).cpu_times() if gateway_pid else None
            rate, output = _wrk(url, body, args.duration, args.connections)
            line = f"{name:18s} {rate:8.0f} req/s"
            if cpu_before is not None:
                after = psutil.Process(gateway_pid).cpu_times()
                used = (after.user + after.system) - (cpu_before.user + cpu_before.system)
                per_request = used / (rate * args.duration)
                micros, per_core = per_request * 1e6, 1 / per_request
                line += f"   gateway CPU {micros:5.0f} µs/request (≈{per_core:,.0f} req/s per core)"
            errors = re.search(r"non2xx_or_errors=(\d+)", output)
            if errors and errors.group(1) != "0":
                line += f"   ERRORS {errors.group(1)}"
            p50 = re.search(r"50%\s+(\S+)", output)
            p99 = re.search(r"99%\s+(\S+)", output)
            if p50 and p99:
                line += f"   p50 {p50.group(1)} p99 {p99.group(1)}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
