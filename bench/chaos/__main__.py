"""``python -m bench.chaos [--quick] [--only NAME]``: every chaos scenario against the engines
``make infra-up`` (``rumah infra up``) started, one line each:

    <scenario> produced=N chained=N duplicates=0 broken=0 max_recovery_s=… [what else]

Exit status 1 when any scenario lost, duplicated or broke something (or failed to run).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import traceback
from typing import Any

from bench.chaos.registry import Env, Outcome, scenarios
from infra.engines import Engines
from infra.settings import InfraSettings
from services.kit.backends import BackendSettings


def environment() -> Env:
    infra = InfraSettings()
    backends = BackendSettings(
        backend="kafka",
        kafka_bootstrap=infra.kafka_client_bootstrap,
        mongo_url=infra.mongo_url,
        connect_timeout_s=2.0,
        op_timeout_s=10.0,
        log_partitions=3,
    )
    return Env(Engines(infra), backends)


async def run_all(names: list[str] | None, size: str) -> list[Outcome | str]:
    env = environment()
    registered = scenarios()
    out: list[Outcome | str] = []
    for name in names or list(registered):
        entry = registered[name]
        started = time.monotonic()
        try:
            outcome = await entry.run(env, getattr(entry, size))
            outcome.notes["elapsed_s"] = round(time.monotonic() - started, 1)
            print(outcome.line(), flush=True)
            out.append(outcome)
        except Exception as exc:  # reported; the other scenarios still run
            traceback.print_exc()
            line = f"{name} FAILED {type(exc).__name__}: {exc}"
            print(line, flush=True)
            out.append(line)
        finally:
            await env.engines.ensure_running()  # whatever a scenario left down
    return out


def run(quick: bool, only: list[str] | None = None) -> dict[str, Any]:
    """The ``make bench`` section: every scenario, its line and its numbers."""
    outcomes = asyncio.run(run_all(only, "quick" if quick else "full"))
    result: dict[str, Any] = {"scenarios": {}}
    for o in outcomes:
        if isinstance(o, str):
            result["scenarios"][o.split()[0]] = {"error": o}
        else:
            result["scenarios"][o.scenario] = {**vars(o), "line": o.line()}
    failed = [k for k, v in result["scenarios"].items() if "error" in v or v["problems"]]
    if failed:
        raise RuntimeError(f"chaos scenarios failed: {', '.join(failed)}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="sizes that finish in a few minutes")
    parser.add_argument("--only", action="append", default=None, help="a scenario (repeatable)")
    args = parser.parse_args(argv)
    known = scenarios()
    unknown = [n for n in args.only or [] if n not in known]
    if unknown:
        parser.error(f"unknown scenario {unknown}; known: {', '.join(known)}")
    outcomes = asyncio.run(run_all(args.only, "quick" if args.quick else "full"))
    bad = [o for o in outcomes if isinstance(o, str) or not o.ok]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
