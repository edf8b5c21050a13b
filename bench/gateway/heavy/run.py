"""The heavy case: one nested query with fragments (≈ 90 KB answer) over four subgraphs
shaped like the public gateways benchmark, through each gateway with one worker, side by
side in one run, 50 connections (wrk).

Gateways: Rumah, Hive Gateway (``bench/gateway/hive``, npm, pinned) and Hive Router
(``cargo install hive-router --version 0.1.0``, cached under ``.cache/hive-router``) each
with its in-flight de-duplication (inbound and outbound) off and on; Apollo Gateway
(``tools/federation-oracle``, npm) — each skipped with the reason when it cannot be
installed or built here.

    .venv/bin/python -m bench.gateway.heavy.run [--duration 10] [--connections 50]
    .venv/bin/python -m bench.gateway.heavy.run --only rumah    # one gateway
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.gateway.heavy.subgraphs import PORTS
from bench.gateway.run import PY, ROOT, _process, _wait_port, _wrk, ensure_apollo

HERE = Path(__file__).parent
SUPERGRAPH = HERE / "supergraph.graphql"
QUERY = HERE / "query.graphql"
PORT = 4490
HIVE_DIR = ROOT / "bench" / "gateway" / "hive"
HIVE_ROUTER_VERSION = "0.1.0"
CORES = os.cpu_count() or 1  # "as many workers as cores" (issue 12)
HIVE_ROUTER_ROOT = ROOT / ".cache" / "hive-router"
HIVE_ROUTER_BIN = HIVE_ROUTER_ROOT / "bin" / "hive_router"
WRK_TIMEOUT_S = 30  # slow gateways are measured, not dropped as 2 s timeouts
BUILD_TIMEOUT_S = 2400  # "within reasonable time": a slower build is reported as skipped


@dataclass
class Gateway:
    key: str
    label: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    skipped: str | None = None


def ensure_hive_gateway() -> str | None:
    """``npm ci`` in bench/gateway/hive once; None, or why not."""
    if (HIVE_DIR / "node_modules" / ".bin" / "hive-gateway").exists():
        return None
    lock = HIVE_DIR / "package-lock.json"
    command = [
        "npm",
        "ci" if lock.exists() else "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
    ]
    try:
        subprocess.run(command, cwd=HIVE_DIR, check=True, capture_output=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"npm install of @graphql-hive/gateway failed: {exc}"
    return None


def ensure_hive_router(build: bool) -> str | None:
    """The cached binary, or build it with cargo (long); None, or why not."""
    if HIVE_ROUTER_BIN.exists():
        return None
    if not build:
        return (
            f"hive-router {HIVE_ROUTER_VERSION} not built (run with --build-hive-router; "
            f"binary expected at {HIVE_ROUTER_BIN.relative_to(ROOT)})"
        )
    if shutil.which("cargo") is None:
        return "cargo not found"
    try:
        subprocess.run(
            [
                "cargo",
                "install",
                "hive-router",
                "--version",
                HIVE_ROUTER_VERSION,
                "--locked",
                "--no-default-features",
                "--features",
                "graphiql",
                "--root",
                str(HIVE_ROUTER_ROOT),
            ],
            check=True,
            capture_output=True,
            timeout=BUILD_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        tail = detail.decode(errors="replace").strip().splitlines()[-3:] if detail else []
        return f"cargo install hive-router {HIVE_ROUTER_VERSION} failed: {exc} {tail}"
    return None


# Hive Gateway has two de-duplications, like Rumah: outbound (identical subgraph requests,
# ``deduplicateInflightRequests``, on by default) and inbound (identical client requests share
# one execution, ``inboundInflightRequestDeduplication``, off by default). "On" enables both,
# as Hive Router's own bench enables ``traffic_shaping.router.dedupe`` for its inbound one.
HIVE_CONFIG = """export const gatewayConfig = {{
  inboundInflightRequestDeduplication: {dedupe},
  transportEntries: {{ '*.http': {{ options: {{ deduplicateInflightRequests: {dedupe} }} }} }},
}};
"""

ROUTER_CONFIG = """supergraph:
  source: file
  path: {supergraph}
http:
  host: 127.0.0.1
  port: {port}
traffic_shaping:
  all:
    dedupe_enabled: {dedupe}
  router:
    dedupe:
      enabled: {dedupe}
"""


# Rumah as a generic federation gateway, like the others: the bench subgraphs know nothing of
# Rumah's credentials and there is no event log for access records.
GENERIC = {"RUMAH_GATEWAY_AUTH": "none", "RUMAH_GATEWAY_ACCESS_RECORDS": "off"}


def gateways(tmp: Path, only: set[str] | None, build_router: bool) -> list[Gateway]:
    out = [
        Gateway(
            "rumah",
            "Rumah, de-duplication off",
            [PY, "-m", "gateway", "serve", "--supergraph", str(SUPERGRAPH), "--port", str(PORT)],
            {
                "RUMAH_GATEWAY_LOG_LEVEL": "warning",
                "RUMAH_GATEWAY_DEDUPLICATE_REQUESTS": "false",
                "RUMAH_GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS": "false",
                **GENERIC,
            },
        ),
        Gateway(  # the same before issue 12's collector tuning and slots: the in-run baseline
            "rumah_gc700",
            "Rumah, de-dup. off, Python's GC, no slots (before)",
            [PY, "-m", "gateway", "serve", "--supergraph", str(SUPERGRAPH), "--port", str(PORT)],
            {
                "RUMAH_GATEWAY_LOG_LEVEL": "warning",
                "RUMAH_GATEWAY_DEDUPLICATE_REQUESTS": "false",
                "RUMAH_GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS": "false",
                "RUMAH_GATEWAY_GC_YOUNG_THRESHOLD": "0",
                "RUMAH_GATEWAY_EXECUTION_SLOTS": "0",
                **GENERIC,
            },
        ),
        Gateway(  # no execution limit (the default before the adaptive slots)
            "rumah_noslots",
            "Rumah, de-dup. off, no execution slots",
            [PY, "-m", "gateway", "serve", "--supergraph", str(SUPERGRAPH), "--port", str(PORT)],
            {
                "RUMAH_GATEWAY_LOG_LEVEL": "warning",
                "RUMAH_GATEWAY_DEDUPLICATE_REQUESTS": "false",
                "RUMAH_GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS": "false",
                "RUMAH_GATEWAY_EXECUTION_SLOTS": "0",
                **GENERIC,
            },
        ),
        Gateway(  # as many workers as cores (SO_REUSEPORT), against Hive Router's likewise
            "rumah_cores",
            f"Rumah, de-dup. off, {CORES} workers",
            [PY, "-m", "gateway", "serve", "--supergraph", str(SUPERGRAPH), "--port", str(PORT)],
            {
                "RUMAH_GATEWAY_LOG_LEVEL": "warning",
                "RUMAH_GATEWAY_DEDUPLICATE_REQUESTS": "false",
                "RUMAH_GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS": "false",
                "RUMAH_GATEWAY_WORKERS": str(CORES),
                **GENERIC,
            },
        ),
        Gateway(  # the defaults: inbound and outbound de-duplication on
            "rumah_dedup",
            "Rumah, de-duplication on",
            [PY, "-m", "gateway", "serve", "--supergraph", str(SUPERGRAPH), "--port", str(PORT)],
            {"RUMAH_GATEWAY_LOG_LEVEL": "warning", **GENERIC},
        ),
    ]
    oracle = str(ROOT / "tools/federation-oracle/gateway.mjs")
    apollo = Gateway(
        "apollo",
        "Apollo Gateway 2.14",
        ["node", oracle, "--supergraph", str(SUPERGRAPH), "--port", str(PORT)],
        {"NODE_ENV": "production"},
    )
    apollo.skipped = ensure_apollo() if _wanted("apollo", only) else "not asked for"
    out.append(apollo)
    hive_problem = ensure_hive_gateway() if _wanted("hive", only) else "not asked for"
    for dedupe in (False, True):
        work = tmp / f"hive-{dedupe}"
        work.mkdir()
        config = work / "gateway.mjs"
        config.write_text(HIVE_CONFIG.format(dedupe=str(dedupe).lower()))
        out.append(
            Gateway(
                f"hive_{'on' if dedupe else 'off'}",
                f"Hive Gateway 2.15, de-duplication {'on' if dedupe else 'off'}",
                [
                    str(HIVE_DIR / "node_modules/.bin/hive-gateway"),
                    "supergraph",
                    str(SUPERGRAPH),
                    "--port",
                    str(PORT),
                    "--fork",
                    "1",
                    "-c",
                    str(config),
                ],
                {"NODE_ENV": "production"},
                work,
                hive_problem,
            )
        )
    router_problem = ensure_hive_router(build_router) if _wanted("router", only) else "not asked"
    for dedupe, workers in ((False, 1), (True, 1), (False, CORES)):
        work = tmp / f"router-{dedupe}-{workers}"
        work.mkdir()
        (work / "router.config.yaml").write_text(
            ROUTER_CONFIG.format(supergraph=SUPERGRAPH, port=PORT, dedupe=str(dedupe).lower())
        )
        label = f"Hive Router {HIVE_ROUTER_VERSION}, de-duplication {'on' if dedupe else 'off'}"
        out.append(
            Gateway(
                f"router_{'on' if dedupe else 'off'}" + ("" if workers == 1 else "_cores"),
                label + ("" if workers == 1 else f", {workers} workers"),
                [str(HIVE_ROUTER_BIN)],
                {"ROUTER_HTTP_WORKERS": str(workers), "LOG_LEVEL": "warn"},
                work,
                router_problem,
            )
        )
    return [g for g in out if _wanted(g.key, only) or g.skipped]


def _wanted(key: str, only: set[str] | None) -> bool:
    return only is None or any(key.startswith(o) for o in only)


def _check_answer(url: str) -> tuple[int, object]:
    """The gateway answers the heavy query completely (no errors): size and data."""
    import urllib.request

    request = urllib.request.Request(
        url, orjson.dumps({"query": QUERY.read_text()}), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    answer = json.loads(body)
    if answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"{url}: {str(answer)[:300]}")
    return len(body), answer["data"]


def run(
    *,
    duration: int = 10,
    connections: int = 50,
    only: set[str] | None = None,
    build_router: bool = False,
) -> dict[str, object]:
    import psutil

    rows: dict[str, dict[str, object]] = {}
    reference: object = None  # the first gateway's data: every other must give the same
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        stack.enter_context(_process([PY, "-m", "bench.gateway.heavy.subgraphs"]))
        for port in PORTS.values():
            _wait_port(port)
        body = tmp / "heavy.json"
        body.write_bytes(orjson.dumps({"query": QUERY.read_text()}))
        url = f"http://127.0.0.1:{PORT}/graphql"
        for gw in gateways(tmp, only, build_router):
            if gw.skipped:
                rows[gw.key] = {"label": gw.label, "skipped": gw.skipped}
                continue
            with _process(gw.command, gw.env, gw.cwd) as proc:
                size, data = _wait_answer(url, proc)
                reference = data if reference is None else reference
                _wrk(url, body, 2, connections, WRK_TIMEOUT_S)  # warm-up
                cpu_before = psutil.Process(proc.pid).cpu_times()
                children_before = _children_cpu(proc.pid)
                rate, output = _wrk(url, body, duration, connections, WRK_TIMEOUT_S)
                after = psutil.Process(proc.pid).cpu_times()
                used = (
                    after.user
                    + after.system
                    - cpu_before.user
                    - cpu_before.system
                    + _children_cpu(proc.pid)
                    - children_before
                )
                errors = _errors(output)
                rows[gw.key] = {
                    "label": gw.label,
                    "rps": rate,
                    "cpu_ms_per_request": used / (rate * duration) * 1e3 if rate else None,
                    "response_bytes": size,
                    "errors": errors,
                    "same_data_as_first": data == reference,
                }
    rumah = rows.get("rumah", {}).get("rps")
    for row in rows.values():
        rps = row.get("rps")
        row["rumah_vs_this"] = round(rumah / rps, 2) if rumah and rps else None  # type: ignore[operator]
    return {
        "duration_s": duration,
        "connections": connections,
        "rows": rows,
        "load_average": os.getloadavg()[0],
    }


def _errors(output: str) -> int:
    import re

    found = re.search(r"non2xx_or_errors=(\d+)", output)
    return int(found.group(1)) if found else 0


def _children_cpu(pid: int) -> float:
    import psutil

    total = 0.0
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                times = child.cpu_times()
                total += times.user + times.system
    return total


def _wait_answer(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 180
) -> tuple[int, object]:
    """Wait until the gateway answers the heavy query completely: size and data."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"gateway exited with {proc.returncode}")
        try:
            return _check_answer(url)
        except (OSError, RuntimeError, ValueError) as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer the heavy query: {exc}") from None
            time.sleep(0.5)


def table(result: dict[str, object]) -> str:
    rows = result["rows"]
    assert isinstance(rows, dict)
    lines = [
        f"heavy query, {result['connections']} connections, {result['duration_s']} s each, "
        f"one worker per gateway unless the row says (load average {result['load_average']:.1f})",
        f"  {'gateway':44s} {'req/s':>8s} {'CPU ms/req':>10s} {'Rumah ×':>8s}",
    ]
    fmt: Callable[[object], str] = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    for row in rows.values():
        if "skipped" in row:
            lines.append(f"  {row['label']:44s} {'skipped: ' + str(row['skipped'])}")
            continue
        lines.append(
            f"  {row['label']:44s} {row['rps']:8.1f} {fmt(row['cpu_ms_per_request']):>10s} "
            f"{fmt(row['rumah_vs_this']):>8s}"
            + (f"  ERRORS {row['errors']}" if row["errors"] else "")
            + ("" if row.get("same_data_as_first", True) else "  DATA DIFFERS FROM RUMAH'S")
        )
    sizes = {row.get("response_bytes") for row in rows.values() if "rps" in row}
    lines.append(f"  response size: {', '.join(f'{s:,} B' for s in sorted(sizes) if s)}")
    lines.extend(_targets(rows))
    return "\n".join(lines)


ISSUE_BASELINE_RPS = 234.0  # Rumah on the heavy query when issue 12 was filed

# issue 12's targets: (Rumah's row, the other's row, the least ratio)
TARGETS = (
    ("rumah", "hive_off", 3.0, "de-dup. off: Rumah ÷ Hive Gateway"),
    ("rumah", "apollo", 8.0, "de-dup. off: Rumah ÷ Apollo Gateway"),
    ("rumah_dedup", "hive_on", 1.5, "de-dup. on: Rumah ÷ Hive Gateway"),
    ("rumah_cores", "router_off", 0.3, "one worker per core: Rumah ÷ Hive Router (1 worker)"),
    ("rumah_cores", "router_off_cores", 0.3, "one worker per core: Rumah ÷ Hive Router (as many)"),
)


def _targets(rows: dict[str, dict[str, object]]) -> list[str]:
    out = ["  targets (same run):"]
    own = rows.get("rumah", {}).get("rps")
    if own:
        ratio = float(own) / ISSUE_BASELINE_RPS  # type: ignore[arg-type]
        out.append(
            f"    Rumah one worker ÷ the issue's {ISSUE_BASELINE_RPS:.0f} req/s: {ratio:.2f} "
            f"(at least 2: {'met' if ratio >= 2 else 'NOT met'}; another day's machine)"
        )
    for ours, theirs, least, label in TARGETS:
        a, b = rows.get(ours, {}).get("rps"), rows.get(theirs, {}).get("rps")
        if not a or not b:
            out.append(f"    {label}: not measured in this run")
            continue
        ratio = float(a) / float(b)  # type: ignore[arg-type]
        verdict = "met" if ratio >= least else "NOT met"
        out.append(f"    {label}: {ratio:.2f} (at least {least}: {verdict})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--only", action="append", help="rumah, apollo, hive, router")
    parser.add_argument(
        "--build-hive-router",
        action="store_true",
        help="cargo install hive-router when no cached binary (long)",
    )
    args = parser.parse_args()
    result = run(
        duration=args.duration,
        connections=args.connections,
        only=set(args.only) if args.only else None,
        build_router=args.build_hive_router,
    )
    print(table(result))


if __name__ == "__main__":
    main()
