"""``rumah gateway serve --workers N``: N worker processes behind one port.

The supervisor (this process) binds N listening sockets to the same address with
``SO_REUSEPORT`` — one per worker — and starts each worker (a fresh interpreter:
``multiprocessing`` *spawn*) with its own socket. The kernel spreads incoming connections
over the sockets by a hash of the connection's addresses, so each worker's event loop
accepts only its share: no worker takes a burst of connections it then serves alone, as
happens when several event loops race to ``accept`` on one shared socket.

The supervisor keeps every socket open, so the connections the kernel queues for a worker
that died wait for its replacement (same socket) instead of being refused. It restarts a
worker that dies, unless it failed before serving (``STARTUP_FAILURE``: the next one would
fail the same way — everything stops) or it keeps dying (more than ``max_restarts`` in a
minute). ``SIGTERM``/``SIGINT`` stop it gracefully: each worker gets ``SIGTERM`` (uvicorn
stops accepting, finishes the requests in flight within its shutdown timeout, runs the
lifespan shutdown); stragglers are killed after ``grace`` seconds. A worker whose supervisor
disappears (killed) stops by itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

log = logging.getLogger("gateway.workers")

STARTUP_FAILURE = 3  # a worker's exit code when it never served (uvicorn's convention)
Target = Callable[[int, socket.socket], None]  # (worker index, its listening socket)


class BindError(OSError):
    """The address cannot be listened on (in use by a process without SO_REUSEPORT, …)."""


def listen(host: str, port: int, count: int, backlog: int = 2048) -> list[socket.socket]:
    """``count`` sockets listening on ``host:port`` together (``SO_REUSEPORT``). Port 0 binds
    a free port for all of them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.listen(backlog)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise BindError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sockets


def _child(target: Target, index: int, sock: socket.socket) -> None:
    """A worker's first steps: stop when the supervisor goes, then serve."""
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            wait([parent.sentinel])
            os.kill(os.getpid(), signal.SIGTERM)  # graceful, as if the supervisor had asked

        threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()
    target(index, sock)


class Supervisor:
    def __init__(
        self,
        target: Target,
        sockets: list[socket.socket],
        *,
        grace: float = 30.0,
        max_restarts: int = 5,
        poll: float = 0.5,
    ) -> None:
        self.target = target
        self.sockets = sockets
        self.grace = grace
        self.max_restarts = max_restarts
        self.poll = poll
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[BaseProcess | None] = [None] * len(sockets)
        self.stopping = threading.Event()
        self._deaths: deque[float] = deque()

    # ------------------------------------------------------------------ lifecycle
    def run(self) -> int:
        """Serve until asked to stop; the exit status (0: stopped on request)."""
        previous = {}
        if threading.current_thread() is threading.main_thread():  # else: stop via stopping
            previous = {
                sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
            }
        status = 0
        try:
            log.info(
                "gateway.workers_starting", extra={"workers": len(self.sockets), "pid": os.getpid()}
            )
            for index in range(len(self.sockets)):
                self._start(index)
            while not self.stopping.is_set():
                alive = [p.sentinel for p in self.processes if p is not None]
                wait(alive, timeout=self.poll)
                status = self._reap()
                if status:
                    break
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for sock in self.sockets:
                sock.close()
        return status

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping.is_set():
            log.info("gateway.workers_stopping", extra={"signal": signal.Signals(signum).name})
        self.stopping.set()

    def _start(self, index: int) -> None:
        process = self.context.Process(
            target=_child,
            args=(self.target, index, self.sockets[index]),
            name=f"gateway-worker-{index}",
        )
        process.start()
        self.processes[index] = process
        log.info("gateway.worker_started", extra={"worker": index, "pid": process.pid})

    def _reap(self) -> int:
        """Restart dead workers; non-zero when the supervisor must give up."""
        for index, process in enumerate(self.processes):
            if process is None or process.exitcode is None or self.stopping.is_set():
                continue
            process.join()
            code = process.exitcode
            log.warning(
                "gateway.worker_died",
                extra={"worker": index, "pid": process.pid, "exit_code": code},
            )
            if code == STARTUP_FAILURE:
                log.error("gateway.worker_startup_failed", extra={"worker": index})
                return 1
            now = time.monotonic()
            self._deaths.append(now)
            while self._deaths and now - self._deaths[0] > 60:
                self._deaths.popleft()
            if len(self._deaths) > self.max_restarts:
                log.error(
                    "gateway.workers_crash_loop", extra={"deaths_per_minute": len(self._deaths)}
                )
                return 1
            self._start(index)
        return 0

    def _stop_all(self) -> None:
        running = [p for p in self.processes if p is not None and p.exitcode is None]
        for process in running:
            process.terminate()  # SIGTERM: uvicorn's graceful shutdown
        deadline = time.monotonic() + self.grace
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in running:
            if process.exitcode is None:
                log.warning("gateway.worker_killed", extra={"pid": process.pid})
                process.kill()
                process.join()
        log.info("gateway.workers_stopped")
