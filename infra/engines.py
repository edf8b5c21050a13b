"""``Engines``: start, check, stop and describe the local Kafka and FerretDB.

The CLI (``rumah infra …``) and the test fixtures drive the same object::

    engines = Engines()              # settings from the environment
    await engines.up()               # build if needed, start both, wait until healthy
    await engines.stop("kafka")      # a real broker outage, for fault tests
    await engines.start("kafka")     # back, same data
    await engines.down()
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from infra import process
from infra.errors import EngineError, describe
from infra.ferretdb_engine import ferretdb_build_info
from infra.kafka_engine import KafkaPaths, kafka_version_from_log
from infra.lock import infra_lock
from infra.settings import InfraSettings
from infra.specs import ENGINE_NAMES, EngineName, EngineSpec, engine_specs, port_open
from infra.tools import log_tail

log = logging.getLogger("rumah.infra")


@dataclass(frozen=True, slots=True)
class EngineStatus:
    name: EngineName
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
        self._specs = engine_specs(self.settings)
        self._lock_path = self.settings.var_dir / "run" / "infra.lock"

    def _pidfile(self, name: EngineName) -> Path:
        return self.settings.var_dir / "run" / f"{name}.pid"

    async def up(self) -> list[EngineStatus]:
        """Start whatever is not running (building it first if needed); wait until healthy."""
        async with infra_lock(self._lock_path):
            results = await asyncio.gather(
                *(self._start(n) for n in ENGINE_NAMES), return_exceptions=True
            )
        errors = [r for r in results if isinstance(r, BaseException)]
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise EngineError("kafka+ferretdb", "\n\n".join(str(e) for e in errors))
        return await self.status()

    async def down(self) -> None:
        """Stop both engines (SIGTERM, wait, SIGKILL); their data stays in the var dir."""
        async with infra_lock(self._lock_path):
            await asyncio.gather(*(self._stop(n) for n in ENGINE_NAMES))

    async def start(self, name: EngineName) -> EngineStatus:
        """Start one engine (no-op if running) and return once it accepts work."""
        async with infra_lock(self._lock_path):
            await self._start(name)
        return await self._status(name)

    async def stop(self, name: EngineName) -> None:
        """Stop one engine, as an outage would; ``start`` brings it back with its data."""
        async with infra_lock(self._lock_path):
            await self._stop(name)

    async def ensure_running(self) -> None:
        """Start every engine that is not running (used after fault tests)."""
        stopped = [s.name for s in await self.status() if s.state != "running"]
        if stopped:
            async with infra_lock(self._lock_path):
                for name in stopped:
                    await self._start(name)

    def pid(self, name: EngineName) -> int | None:
        """The pid of the running engine ``rumah infra`` started, else None (fault tests)."""
        record = process.running(self._pidfile(name))
        return None if record is None else record.pid

    async def status(self) -> list[EngineStatus]:
        return list(await asyncio.gather(*(self._status(n) for n in ENGINE_NAMES)))

    async def verify(self, name: EngineName) -> str:
        """Prove the engine at the configured address accepts work; return its version.

        Works for engines started elsewhere too (their version is then read only if the
        server reports it: FerretDB's ``buildInfo`` does, Kafka's protocol does not).
        """
        spec = self._specs[name]
        hint = "start the engines with `make infra-up` (= `rumah infra up`)"
        # Checked first so a stopped engine gives a plain answer, not a client's time-out.
        if not port_open(spec.address, spec.ports[0]):
            raise EngineError(name, f"nothing listens at {spec.address}; {hint}")
        try:
            await spec.probe(10.0)
        except Exception as exc:
            raise EngineError(
                name, f"not accepting work at {spec.address} ({describe(exc)}); {hint}"
            ) from exc
        if name == "ferretdb":
            return await self.ferretdb_version()
        try:
            return await self.kafka_version()
        except EngineError:
            return "unknown (not started by `rumah infra up`)"

    async def kafka_version(self) -> str:
        """The version the running broker reported at its start (``Kafka version:`` line)."""
        record = self._running_or_fail("kafka")
        version = kafka_version_from_log(KafkaPaths.of(self.settings), record.log_offset)
        if version is None:
            raise EngineError("kafka", "the running broker has not logged its version")
        return version

    async def ferretdb_version(self) -> str:
        """``ferretdbVersion`` from the running server's ``buildInfo`` command."""
        info = await ferretdb_build_info(self.settings.mongo_url)
        return str(info.get("ferretdbVersion", "unknown"))

    # ------------------------------------------------------------------ internals
    def _running_or_fail(self, name: EngineName) -> process.PidRecord:
        record = process.running(self._pidfile(name))
        if record is None:
            raise EngineError(name, "not running (start it with `rumah infra up`)")
        return record

    async def _start(self, name: EngineName) -> None:
        spec = self._specs[name]
        record = process.running(self._pidfile(name))
        if record is None:
            argv = await spec.prepare()
            busy = [p for p in spec.ports if port_open(spec.address, p)]
            if busy:
                raise EngineError(
                    name,
                    f"port(s) {busy} already in use by a process that "
                    "`rumah infra` did not start; stop it first",
                )
            offset = spec.offset_log.stat().st_size if spec.offset_log.exists() else 0
            pid = process.spawn(argv, log=spec.logs[0], env=os.environ)
            record = process.PidRecord(pid, spec.marker, time.time(), offset)
            process.write_pidfile(self._pidfile(name), record)
            log.info("infra.engine.spawned", extra={"engine": name, "pid": pid})
        await self._wait_healthy(spec, record)
        log.info("infra.engine.healthy", extra={"engine": name, "pid": record.pid})

    async def _wait_healthy(self, spec: EngineSpec, record: process.PidRecord) -> None:
        timeout = self.settings.infra_start_timeout_s
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

    async def _stop(self, name: EngineName) -> None:
        pidfile = self._pidfile(name)
        record = process.running(pidfile)
        if record is not None:
            clean = await process.terminate(record, self.settings.infra_stop_timeout_s)
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

    async def _status(self, name: EngineName) -> EngineStatus:
        spec = self._specs[name]
        record = process.running(self._pidfile(name))
        if record is None:
            return EngineStatus(name, "stopped", spec.address)
        rss = process.rss_bytes(record.pid)
        try:
            await spec.probe(5.0)
            version = await (self.kafka_version() if name == "kafka" else self.ferretdb_version())
        except Exception as exc:
            detail = describe(exc)
            return EngineStatus(name, "unresponsive", spec.address, record.pid, None, rss, detail)
        return EngineStatus(name, "running", spec.address, record.pid, version, rss)

    def _tail(self, spec: EngineSpec, record: process.PidRecord) -> str:
        # Only logs this run wrote to: an older run's last lines would mislead.
        fresh = [p for p in spec.logs if p.exists() and p.stat().st_mtime >= record.started_at]
        return "\n".join(log_tail(p) for p in fresh if p.stat().st_size)
