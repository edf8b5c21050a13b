"""One vs two replicas of the licensing service on Kafka + FerretDB: events written per second.

    .venv/bin/python -m bench.replicas                 # 3,000 records, 1 then 2 replicas
    .venv/bin/python -m bench.replicas --records 4000 --repeat 3   # alternating, medians

Each run gets its own database and topic prefix; N ``rumah service serve licensing``
processes (replicated, no pull) wait ready, then the bench forwards ``records`` new permits
into the intake topic, as the pull would, and times until every permit is stored. Each
stored permit is one write of state + its status event (the outbox), so permits stored per
second = events written per second. The engines are the ones of ``rumah infra up``
(RUMAH_KAFKA_BOOTSTRAP, RUMAH_MONGO_URL). See docs/replicas.md for measured numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from bench.chaos.replicas import (
    PERMITS,
    Replica,
    permits,
    produce,
    replica_env,
    until,
)
from infra.settings import InfraSettings
from services.kit.backends import BackendSettings, open_backends
from services.kit.intake import IntakeForwarder, intake_topic
from services.licensing.bootstrap import SPEC

ENGINES = {"ferretdb": "ferretdb", "kafka": "kafka", "postgres": "postgres"}  # first match
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def engine_pids(var_dir: Path) -> dict[str, list[int]]:
    """This worktree's engine processes (their command lines name its var/), with children
    (PostgreSQL's backends)."""
    where = str(var_dir.resolve())
    found: dict[str, list[int]] = {name: [] for name in ENGINES}
    parents: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            parents[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if where in args:
            for name, word in ENGINES.items():
                if word in args and "keycloak" not in args:
                    found[name].append(int(proc.name))
                    break
    roots = set(found["postgres"])
    found["postgres"] += [pid for pid, ppid in parents.items() if ppid in roots]
    return found


def _per(count: int, cpu_s: float) -> float | None:
    """``count`` per CPU-second; None when the part is not on this machine (a remote store)."""
    return round(count / cpu_s, 1) if cpu_s > 0 else None


def cpu_by_part(groups: dict[str, list[int]]) -> dict[str, float]:
    return {name: sum(_cpu_s(pid) for pid in pids) for name, pids in groups.items()}


async def one_run(replicas: int, records: int, partitions: int, logs: Path) -> dict[str, Any]:
    infra = InfraSettings()
    run = uuid.uuid4().hex[:10]
    db, prefix = f"bench_replicas_{run}", f"bre{run}"
    backends = BackendSettings(
        backend="kafka",
        kafka_bootstrap=infra.kafka_client_bootstrap,
        mongo_url=infra.mongo_url,
        log_partitions=partitions,
    )
    env = replica_env(backends, db, prefix)
    try:
        async with (
            open_backends(backends, db=db) as (store, log),
            aiohttp.ClientSession() as http,
        ):
            forwarder = IntakeForwarder(log, intake_topic(SPEC, prefix))
            await log.ensure_topic(forwarder.topic, partitions)
            procs = [Replica(env, http, logs / f"{run}-{i}.log") for i in range(replicas)]
            permit = store.collection(PERMITS.collection)
            try:
                for p in procs:
                    await p.start()
                for p in procs:
                    await until(p.ready, "replica ready")
                await asyncio.sleep(3.0)  # let the group settle: every member has partitions
                raws = permits(records, 1)
                groups = engine_pids(infra.var_dir)
                groups["replicas"] = [p.proc.pid for p in procs if p.proc is not None]
                groups["bench"] = [os.getpid()]
                cpu_before = cpu_by_part(groups)
                started = time.monotonic()
                await produce(forwarder, raws)
                produced_s = time.monotonic() - started

                async def stored() -> bool:
                    return await permit.count() >= records

                await until(stored, "every permit stored", timeout_s=900, interval_s=0.2)
                took = time.monotonic() - started
                groups = {
                    **engine_pids(infra.var_dir),
                    **{k: groups[k] for k in ("replicas", "bench")},
                }
                cpu_after = cpu_by_part(groups)
            finally:
                for p in procs:
                    await p.stop()
    finally:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_url)
        await client.drop_database(db)
        await client.close()
    return {
        "replicas": replicas,
        "records": records,
        "partitions": partitions,
        "forward_s": round(produced_s, 2),
        "seconds": round(took, 2),
        "events_per_s": round(records / took, 1),
        "load_avg": os.getloadavg()[0],
        # CPU seconds each part used during the run, per second of the run (1.0 = one core)
        "cores_used": {
            k: round((cpu_after[k] - cpu_before.get(k, 0.0)) / took, 2) for k in cpu_after
        },
        "machine_cores": os.cpu_count(),
        # the store's cost per event: if this stays put while events/s moves, the one
        # FerretDB process (the CPU it is given) is what sets the rate
        "events_per_ferretdb_cpu_s": _per(records, cpu_after["ferretdb"] - cpu_before["ferretdb"]),
    }


async def main(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Runs alternate (1, 2, 1, 2, … with ``--repeat``) so a change in the machine's load
    hits both sizes alike; the ratio is of the medians."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for n in args.replicas:
                result = await one_run(n, args.records, args.partitions, Path(tmp))
                results.append(result)
                if not args.json:
                    print(
                        f"{n} replica(s): {result['events_per_s']:>8} events/s "
                        f"({args.records} in {result['seconds']} s, "
                        f"load {result['load_avg']:.1f}); cores used: {result['cores_used']}; "
                        f"events per FerretDB CPU-second: {result['events_per_ferretdb_cpu_s']}",
                        flush=True,
                    )
    medians = {
        n: statistics.median(r["events_per_s"] for r in results if r["replicas"] == n)
        for n in args.replicas
    }
    if len(medians) >= 2 and not args.json:
        base, *others = args.replicas
        for n in others:
            print(f"median {n} vs {base}: {medians[n] / medians[base]:.2f}x ({medians})")
    return results


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(main(args))
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    cli()
