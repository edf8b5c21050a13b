"""``Engines``: start, check, stop and describe the local engines (Kafka, FerretDB, …).

The CLI (``rumah infra …``) and the test fixtures drive the same object::

    engines = Engines()              # settings from the environment
    await engines.up()               # build if needed, start all, wait until healthy
    await engines.stop("kafka")      # a real outage of a whole engine, for fault tests
    await engines.kill("kafka-2")    # SIGKILL one node of the Kafka cluster
    await engines.start("kafka-2")   # back, same data
    await engines.down()

A name is a group (``kafka``, ``ferretdb``: what clients use) or one of its members (the
single Kafka node is ``kafka`` too; the cluster's nodes are ``kafka-1`` … ``kafka-3``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from infra import process
from infra.errors import EngineError, describe
from infra.lock import infra_lock
from infra.settings import InfraSettings
from infra.specs import EngineGroup, EngineSpec, engine_groups, port_open
from infra.tools import log_tail

log = logging.getLogger("rumah.infra")


@dataclass(frozen=True, slots=True)
class EngineStatus:
    name: str
    state: Literal["running", "unresponsive", "stopped"]
    address: str
    pid: int | None = None
    version: str | None = None
    rss_bytes: int | None = None
    detail: str = ""


class Engines:
    """Control of the local engines; every method is safe to call in any state."""

    def __init__(self, settings: InfraSettings | None = None) -> None:
        self.settings = settings or InfraSettings()
        self.groups: dict[str, EngineGroup] = engine_groups(self.settings)
        self._specs: dict[str, EngineSpec] = {
            m.name: m for g in self.groups.values() for m in g.members
        }
        self._run_dir = self.settings.var_dir / "run"
        self._lock_path = self._run_dir / "infra.lock"

    @property
    def names(self) -> list[str]:
        """Every name ``start``/``stop``/``kill`` accept: groups first, then members."""
        return list(dict.fromkeys([*self.groups, *self._specs]))

    def members(self, name: str) -> list[EngineSpec]:
        """The processes a group or member name stands for."""
        if name in self.groups:
            return list(self.groups[name].members)
        if name in self._specs:
            return [self._specs[name]]
        raise EngineError(name, f"no such engine here; expected one of {', '.join(self.names)}")

    def _pidfile(self, name: str) -> Path:
        return self._run_dir / f"{name}.pid"

    def pid(self, member: str) -> int | None:
        """The pid of a running member (None when it is not running)."""
        [spec] = self.members(member)
        record = process.running(self._pidfile(spec.name))
        return None if record is None else record.pid

    async def up(self, replace: bool = False) -> list[EngineStatus]:
        """Start whatever is not running (building it first if needed); wait until healthy.

        Groups start concurrently, except that a group waits for the groups it needs.
        Engines an earlier setting started (the single Kafka node when the cluster is asked
        for, say) are refused, or stopped first with ``replace``.
        """
        async with infra_lock(self._lock_path):
            if replace:
                await asyncio.gather(*(self._stop(name) for name in self._foreign()))
            self._refuse_foreign()
            started: dict[str, asyncio.Future[None]] = {}
            for group in self.groups.values():
                needs = [started[n] for n in group.needs if n in started]
                started[group.name] = asyncio.ensure_future(self._start_group(group, needs))
            results = await asyncio.gather(*started.values(), return_exceptions=True)
        _raise_all(results)
        return await self.status()

    async def down(self) -> None:
        """Stop every engine (SIGTERM, wait, SIGKILL), dependants first; data is kept.

        Also stops engines an earlier setting started (another Kafka topology, say).
        """
        async with infra_lock(self._lock_path):
            for group in reversed(list(self.groups.values())):
                await asyncio.gather(*(self._stop(m.name) for m in group.members))
            await asyncio.gather(*(self._stop(name) for name in self._foreign()))

    async def start(self, name: str) -> list[EngineStatus]:
        """Start an engine or one member (no-op if running), after the engines it needs;
        return once it accepts work."""
        specs = self.members(name)
        needed = [self.groups[n] for n in self._needs(self._specs[specs[0].name].group)]
        async with infra_lock(self._lock_path):
            self._refuse_foreign()
            for group in needed:
                await self._start_group(group)
            _raise_all(
                await asyncio.gather(*(self._start(s) for s in specs), return_exceptions=True)
            )
        return list(await asyncio.gather(*(self._status(s) for s in specs)))

    def _needs(self, group: str) -> list[str]:
        """The groups ``group`` needs, transitively, those needed first."""
        out: list[str] = []
        for needed in self.groups[group].needs:
            if needed in self.groups:
                out += [n for n in self._needs(needed) if n not in out] + [needed]
        return list(dict.fromkeys(out))

    async def stop(self, name: str) -> None:
        """Stop an engine or one member, as an outage would (SIGTERM: a clean shutdown);
        ``start`` brings it back with its data."""
        specs = self.members(name)
        async with infra_lock(self._lock_path):
            await asyncio.gather(*(self._stop(s.name) for s in specs))

    async def kill(self, name: str) -> None:
        """SIGKILL an engine or one member now: a crash, no shutdown of any kind."""
        specs = self.members(name)
        async with infra_lock(self._lock_path):
            for spec in specs:
                record = process.running(self._pidfile(spec.name))
                if record is None:
                    continue
                process.signal_group(record.pid, signal.SIGKILL)
                if not await process.wait_exit(record, 10.0):
                    raise EngineError(spec.name, f"pid {record.pid} survived SIGKILL for 10 s")
                log.info("infra.engine.killed", extra={"engine": spec.name, "pid": record.pid})

    async def ensure_running(self) -> None:
        """Start every engine that is not running (used after fault tests)."""
        down = {s.name for s in await self.status() if s.state != "running"}
        if down:
            async with infra_lock(self._lock_path):
                for group in self.groups.values():
                    specs = [m for m in group.members if m.name in down]
                    _raise_all(
                        await asyncio.gather(
                            *(self._start(s) for s in specs), return_exceptions=True
                        )
                    )

    async def status(self, name: str | None = None) -> list[EngineStatus]:
        """State of every member (or of those ``name`` stands for)."""
        specs = self.members(name) if name else list(self._specs.values())
        return list(await asyncio.gather(*(self._status(s) for s in specs)))

    async def verify(self, name: str) -> str:
        """Prove the group at its configured address accepts work; return its version.

        Works for engines started elsewhere too (their version is then read only if the
        server reports it: FerretDB's ``buildInfo`` does, Kafka's protocol does not).
        """
        group = self.groups[name]
        hint = "start the engines with `make infra-up` (= `rumah infra up`)"
        first = group.members[0]
        # Checked first so a stopped engine gives a plain answer, not a client's time-out.
        if not any(port_open(m.address, m.ports[0]) for m in group.members):
            raise EngineError(name, f"nothing listens at {group.address}; {hint}")
        try:
            await group.probe(10.0)
        except Exception as exc:
            raise EngineError(
                name, f"not accepting work at {group.address} ({describe(exc)}); {hint}"
            ) from exc
        if group.server_version is not None:
            return await group.server_version()
        record = process.running(self._pidfile(first.name))
        found = None if record is None else await first.version(record.log_offset)
        return found or "unknown (not started by `rumah infra up`)"

    async def kafka_version(self) -> str:
        """The version the running Kafka reported at its start (``Kafka version:`` line)."""
        for spec in self.groups["kafka"].members:
            record = process.running(self._pidfile(spec.name))
            if record is not None and (found := await spec.version(record.log_offset)):
                return found
        raise EngineError("kafka", "no running node has logged its version")

    async def ferretdb_version(self) -> str:
        """``ferretdbVersion`` from the running server's ``buildInfo`` command."""
        version = self.groups["ferretdb"].server_version
        assert version is not None
        return await version()

    # ------------------------------------------------------------------ internals
    def _foreign(self) -> list[str]:
        """Engines running from this var dir that the current settings do not describe
        (another Kafka topology, FerretDB on another backend, …)."""
        if not self._run_dir.is_dir():
            return []
        found = []
        for path in sorted(self._run_dir.glob("*.pid")):
            record = process.running(path)
            spec = self._specs.get(path.stem)
            if record is not None and (spec is None or record.marker != spec.marker):
                found.append(path.stem)
        return found

    def _refuse_foreign(self) -> None:
        foreign = self._foreign()
        if foreign:
            raise EngineError(
                "+".join(foreign),
                "running with other settings (another RUMAH_KAFKA_NODES or "
                "RUMAH_FERRETDB_BACKEND?); stop it with `rumah infra down` (or `rumah infra up "
                "--replace`)",
            )

    async def _start_group(self, group: EngineGroup, needs: Iterable[Awaitable[None]] = ()) -> None:
        for needed in needs:
            try:
                await needed
            except Exception:
                raise EngineError(group.name, "not started: an engine it needs failed") from None
        results = await asyncio.gather(
            *(self._start(m) for m in group.members), return_exceptions=True
        )
        _raise_all(results)

    async def _start(self, spec: EngineSpec) -> None:
        record = process.running(self._pidfile(spec.name))
        if record is None:
            launch = await spec.prepare()
            busy = [p for p in spec.ports if port_open(spec.address, p)]
            if busy:
                raise EngineError(
                    spec.name,
                    f"port(s) {busy} already in use by a process that "
                    "`rumah infra` did not start; stop it first",
                )
            offset = spec.offset_log.stat().st_size if spec.offset_log.exists() else 0
            env = {**os.environ, **launch.env}
            pid = process.spawn(launch.argv, log=spec.logs[0], env=env)
            record = process.PidRecord(pid, spec.marker, time.time(), offset)
            process.write_pidfile(self._pidfile(spec.name), record)
            log.info("infra.engine.spawned", extra={"engine": spec.name, "pid": pid})
        await self._wait_healthy(spec, record)
        log.info("infra.engine.healthy", extra={"engine": spec.name, "pid": record.pid})

    async def _wait_healthy(self, spec: EngineSpec, record: process.PidRecord) -> None:
        timeout = spec.start_timeout_s or self.settings.infra_start_timeout_s
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while True:
            gone = process.why_not_running(record)
            if gone is not None:
                await asyncio.sleep(1.0)  # look twice before calling a fresh engine dead
            if gone is not None and process.why_not_running(record) is not None:
                raise EngineError(
                    spec.name, f"exited during start-up ({gone})", self._tail(spec, record)
                )
            if port_open(spec.address, spec.ports[0]):
                try:
                    await spec.probe(max(1.0, min(15.0, deadline - time.monotonic())))
                    return
                except Exception as exc:  # any failure means "not yet"; the last one is shown
                    last_error = describe(exc)
            if time.monotonic() >= deadline:
                raise EngineError(
                    spec.name,
                    f"not accepting work at {spec.address} after {timeout:.0f}s "
                    f"(last probe: {last_error})",
                    self._tail(spec, record),
                )
            await asyncio.sleep(0.5)

    async def _stop(self, name: str) -> None:
        pidfile = self._pidfile(name)
        record = process.running(pidfile)
        if record is not None:
            spec = self._specs.get(name)
            sig = signal.SIGTERM if spec is None else spec.stop_signal
            clean = await process.terminate(record, self.settings.infra_stop_timeout_s, sig)
            if not clean:
                log.warning(
                    "infra.engine.killed",
                    extra={
                        "engine": name,
                        "pid": record.pid,
                        "after_s": self.settings.infra_stop_timeout_s,
                    },
                )
            log.info("infra.engine.stopped", extra={"engine": name, "pid": record.pid})
        pidfile.unlink(missing_ok=True)

    async def _status(self, spec: EngineSpec) -> EngineStatus:
        record = process.running(self._pidfile(spec.name))
        if record is None:
            return EngineStatus(spec.name, "stopped", spec.address)
        rss = process.rss_bytes(record.pid)
        try:
            await spec.probe(5.0)
            version = await spec.version(record.log_offset)
        except Exception as exc:
            detail = describe(exc)
            return EngineStatus(
                spec.name, "unresponsive", spec.address, record.pid, None, rss, detail
            )
        return EngineStatus(spec.name, "running", spec.address, record.pid, version, rss)

    def _tail(self, spec: EngineSpec, record: process.PidRecord) -> str:
        # Only logs this run wrote to: an older run's last lines would mislead.
        fresh = [p for p in spec.logs if p.exists() and p.stat().st_mtime >= record.started_at]
        return "\n".join(log_tail(p) for p in fresh if p.stat().st_size)


def _raise_all(results: Sequence[object]) -> None:
    """Raise the failures among ``gather(..., return_exceptions=True)`` results, as one."""
    errors = [r for r in results if isinstance(r, BaseException)]
    unique = list(dict.fromkeys(str(e) for e in errors))
    if len(unique) == 1:
        raise errors[0]
    if errors:
        names = "+".join(dict.fromkeys(getattr(e, "engine", "?") for e in errors))
        raise EngineError(names, "several engines failed:\n\n" + "\n\n".join(unique))
