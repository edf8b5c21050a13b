"""Load the supergraph file, then reload it whenever it changes.

A new file is read, hashed (an unchanged text is ignored) and turned into a whole new
``GatewayState`` off the event loop; only a state that built completely is swapped in. A bad
new supergraph keeps the old one serving and is logged (and shown by ``/health/ready``), and
so does one the ``guard`` refuses on a reload (the gateway's: it would break operations of
the safelist).
Change detection uses ``watchfiles`` on the file's directory (editors replace files by
renaming) and falls back to polling the file's mtime and size.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from gateway.request.state import GatewayState, StateHolder

log = logging.getLogger("gateway.reload")

StateBuilder = Callable[[str], GatewayState]
# why a new state must not replace the one serving (None: it may)
ReloadGuard = Callable[[GatewayState], str | None]


class SupergraphReloader:
    def __init__(
        self,
        path: Path,
        holder: StateHolder,
        build: StateBuilder,
        *,
        watch: bool = True,
        force_polling: bool = False,
        poll_interval: float = 1.0,
        guard: ReloadGuard | None = None,
    ) -> None:
        self.guard = guard
        self.path = path
        self.holder = holder
        self.build = build
        self.watch = watch
        self.force_polling = force_polling
        self.poll_interval = poll_interval
        self._loaded_digest: bytes | None = None

    async def load(self) -> bool:
        """(Re)load the file now; True when a new state was swapped in."""
        try:
            sdl = await asyncio.to_thread(self.path.read_text, "utf-8")
        except OSError as exc:
            return self._failed(f"cannot read {self.path}: {exc}")
        digest = hashlib.sha256(sdl.encode()).digest()
        if digest == self._loaded_digest:
            return False
        try:
            state = await asyncio.to_thread(self.build, sdl)
        except Exception as exc:  # noqa: BLE001 - any bad supergraph keeps the old one serving
            return self._failed(f"{type(exc).__name__}: {exc}")
        first = self.holder.current is None
        if not first and self.guard is not None:
            refused = self.guard(state)
            if refused is not None:
                return self._failed(refused)
        self.holder.swap(state)
        self._loaded_digest = digest
        log.info(
            "gateway.supergraph_loaded",
            extra={
                "path": str(self.path),
                "sdl_hash": state.supergraph.sdl_hash,
                "subgraphs": sorted(state.supergraph.subgraphs),
                "reload": not first,
            },
        )
        return True

    def _failed(self, reason: str) -> bool:
        self.holder.last_error = reason
        log.error(
            "gateway.supergraph_rejected",
            extra={
                "path": str(self.path),
                "reason": reason,
                "still_serving": self.holder.current is not None,
            },
        )
        return False

    async def run(self) -> None:
        """Load once, then follow changes until cancelled."""
        await self.load()
        if not self.watch:
            return
        if not self.force_polling:
            try:
                await self._watch_events()
                return
            except (ImportError, OSError, RuntimeError) as exc:
                log.warning("gateway.reload_watch_unavailable", extra={"reason": str(exc)})
        await self._poll()

    async def _watch_events(self) -> None:
        from watchfiles import awatch

        target = self.path.resolve()
        directory = target.parent

        def is_ours(_change: object, changed: str) -> bool:
            return Path(changed).resolve() == target

        async for _ in awatch(directory, watch_filter=is_ours, debounce=200, step=50):
            await self.load()

    async def _poll(self) -> None:
        last = self._signature()
        while True:
            await asyncio.sleep(self.poll_interval)
            current = self._signature()
            if current != last:
                last = current
                await self.load()

    def _signature(self) -> tuple[float, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime, stat.st_size
