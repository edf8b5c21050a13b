"""``make bench``: every benchmark of the hub, each next to the baseline it is judged by.

Sections (run in this order; ``--only NAME`` repeats to pick some):

* ``gateway``        — (a) a 1-subgraph query straight to the subgraph (the floor), (b) the
  same through Rumah's gateway, (c) a 3-subgraph entity join, and the same through Apollo
  Gateway (b′, c′) on the same supergraph and subgraphs; wrk, one gateway worker.
* ``gateway-heavy``  — the heavy case (one nested fragment query, ≈ 90 KB answer, four
  subgraphs shaped like the public gateways benchmark) through Rumah, Apollo Gateway, Hive
  Gateway (de-duplication off/on) and Hive Router 0.1.0 (when built), one worker each, 50
  connections, side by side: req/s, gateway CPU per request and Rumah's ratio to each.
* ``gateway-auth``   — the 1-subgraph query with auth off and with OpenID Connect JWT auth on
  (signed subgraph credentials included), alternating rounds; the cost must stay ≤ 5 %.
* ``write-embedded`` / ``write-kafka`` — upstream change → canonical state → event on the log
  (one licensing service in-process), beside the raw produce rate and the raw store writes.
* ``subgraph``       — requests/s of one OPD subgraph (licensing) for a 10-item list query and
  a 10-reference ``_entities`` batch.
* ``ledger-append``  — the ledger's sustained append rate on Kafka + FerretDB beside the raw
  consume rate measured in the same run.
* ``ledger-verify``  — ``verify`` over 1,000,000 entries (embedded store).
* ``latency-embedded`` / ``latency-kafka`` — upstream change in a simulator → event at a
  WebSocket client subscribed through the gateway, p50/p99.
* ``chaos``          — the fault scenarios of ``bench.chaos`` (a broker, the controller, the
  busiest leader, the store killed during a burst; a broker killed with the store frozen; a
  consumer far behind), one line each: produced / chained / duplicates / broken / recovery.
* ``monev``          — server-side render time and GraphQL query count of every Monev page on
  the whole embedded hub (overview target < 300 ms), and simulator change → open overview.

The Kafka sections need the engines (``make bench`` starts them). Every number is printed,
and the whole result is written as JSON under ``var/bench/``. A section that fails is reported
and the run goes on; the exit status is non-zero if any failed.

    .venv/bin/python -m bench [--only gateway] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _gateway(quick: bool) -> dict[str, Any]:
    from bench.gateway.run import compare

    return compare(duration=3 if quick else 10, connections=32)


def _gateway_heavy(quick: bool) -> dict[str, Any]:
    from bench.gateway.heavy.run import run, table

    result = run(
        duration=3 if quick else 10,
        connections=50,
        # cargo-build Hive Router once when not cached (BENCH_BUILD_HIVE_ROUTER=0: never)
        build_router=os.environ.get("BENCH_BUILD_HIVE_ROUTER", "1") != "0",
    )
    print(table(result))
    return result


def _gateway_auth(quick: bool) -> dict[str, Any]:
    from bench.gateway.auth_cost import auth_cost, table

    result = auth_cost(duration=3 if quick else 10, rounds=1 if quick else 5)
    print(table(result))
    return result


def _write(backend: str, quick: bool) -> dict[str, Any]:
    from bench import write_path

    result = asyncio.run(write_path.run(backend, duration_s=5 if quick else 20))
    print(write_path.table(result))
    return result


def _subgraph(quick: bool) -> dict[str, Any]:
    from bench.subgraph import subgraph_rps

    return subgraph_rps(duration=3 if quick else 10)


def _ledger_append(quick: bool) -> dict[str, Any]:
    from bench.ledger_bench import ledger_append

    return ledger_append(5_000 if quick else 20_000)


def _ledger_verify(quick: bool) -> dict[str, Any]:
    from bench.ledger_bench import ledger_verify

    return ledger_verify(100_000 if quick else 1_000_000)


def _latency(backend: str, quick: bool) -> dict[str, Any]:
    from bench.change_latency import change_latency, table

    result = change_latency(backend=backend, changes=60 if quick else 200)
    print(table(result))
    return result


def _chaos(quick: bool) -> dict[str, Any]:
    from bench.chaos.__main__ import run

    return run(quick)


def _monev(quick: bool) -> dict[str, Any]:
    from bench.monev_bench import run, table

    result = asyncio.run(run(rounds=5 if quick else 20, samples=3 if quick else 10))
    print(table(result))
    return result


SECTIONS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "gateway": _gateway,
    "gateway-heavy": _gateway_heavy,
    "gateway-auth": _gateway_auth,
    "write-embedded": lambda q: _write("embedded", q),
    "write-kafka": lambda q: _write("kafka", q),
    "subgraph": _subgraph,
    "ledger-append": _ledger_append,
    "ledger-verify": _ledger_verify,
    "latency-embedded": lambda q: _latency("embedded", q),
    "latency-kafka": lambda q: _latency("kafka", q),
    "monev": _monev,
    "chaos": _chaos,
}


def _gateway_lines(result: dict[str, Any]) -> list[str]:
    names = {
        "a_floor": "(a)  1 subgraph, direct (floor)",
        "b_rumah": "(b)  1 subgraph via Rumah",
        "c_rumah": "(c)  3-subgraph join via Rumah",
        "requires_rumah": "     @requires via Rumah",
        "b_apollo": "(b′) 1 subgraph via Apollo Gateway",
        "c_apollo": "(c′) 3-subgraph join via Apollo Gateway",
        "requires_apollo": "     @requires via Apollo Gateway",
    }
    lines = []
    for key, label in names.items():
        row = result["rows"].get(key)
        if row is None:
            continue
        cpu = row.get("cpu_us_per_request")
        lines.append(
            f"  {label:42s} {row['rps']:8.0f} req/s  p50 {row['p50_ms'] or 0:6.1f} ms"
            f"  p99 {row['p99_ms'] or 0:6.1f} ms"
            + (f"  CPU {cpu:5.0f} µs/req" if cpu else "")
            + (f"  ERRORS {row['errors']:.0f}" if row.get("errors") else "")
        )
    ratios = result["ratios"]
    lines.append(
        "  ratios: b/floor {b_vs_floor}  b/b′ {b_vs_apollo}  c/c′ {c_vs_apollo}  "
        "requires {requires_vs_apollo}   (targets: b ≥ 3× b′, c ≥ 2× c′)".format(**ratios)
    )
    if "apollo_skipped" in result:
        lines.append(f"  Apollo Gateway skipped: {result['apollo_skipped']}")
    return lines


def _summary(name: str, result: dict[str, Any]) -> list[str]:
    if name == "gateway":
        return _gateway_lines(result)
    if name.startswith(("write-", "latency-", "monev", "gateway-heavy", "gateway-auth", "chaos")):
        return []  # printed their own table
    flat = json.dumps(result, default=str)
    return [f"  {flat[:2000]}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), default=None)
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke check)")
    args = parser.parse_args(argv)
    chosen = args.only or list(SECTIONS)
    started = datetime.now(UTC)
    report: dict[str, Any] = {
        "started": started.isoformat(),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg()[0],
        "sections": {},
    }
    failed = []
    for name in chosen:
        print(f"\n== {name} ==", flush=True)
        t0 = time.monotonic()
        try:
            result = SECTIONS[name](args.quick)
        except Exception as exc:  # a failing section is reported; the others still run
            traceback.print_exc()
            report["sections"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            failed.append(name)
            print(f"  FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        result["elapsed_s"] = round(time.monotonic() - t0, 1)
        report["sections"][name] = result
        for line in _summary(name, result):
            print(line, flush=True)
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"\nall numbers: {out}")
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
