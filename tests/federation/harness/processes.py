"""Start and stop what a scenario run needs: the subgraph server and a gateway process."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.federation.harness.model import HOST, Scenario

REPO = Path(__file__).resolve().parents[3]
RUMAH = REPO / ".venv" / "bin" / "rumah"
ORACLE_DIR = REPO / "tools" / "federation-oracle"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def http_json(
    url: str, body: Any = None, timeout: float = 30.0, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """POST (or GET when ``body`` is None) and decode JSON; non-JSON bodies come back as text."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    request.add_header("content-type", "application/json")
    request.add_header("accept", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.popen.stdin is not None:
            with contextlib.suppress(OSError):
                self.popen.stdin.close()
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def _spawn(
    argv: Sequence[str], name: str, cwd: Path = REPO, env: Mapping[str, str] | None = None
) -> Process:
    log = Path(tempfile.mkstemp(prefix=f"federation-{name}-", suffix=".log")[1])
    full_env = {**os.environ, **env} if env else None
    with log.open("wb") as out:
        popen = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
        )
    return Process(popen, log)


def until(
    what: str, check: Callable[[], bool], process: Process | None = None, patience: float = 120.0
) -> None:
    """Wait for ``check()`` (polling); fail naming ``what`` (and the process's log tail)."""
    deadline = time.monotonic() + patience
    while not check():
        if time.monotonic() > deadline:
            tail = process.tail() if process is not None else ""
            raise AssertionError(f"still waiting for: {what}\n{tail}")
        time.sleep(0.05)


class StartupError(RuntimeError):
    pass


def _wait_ready_line(process: Process, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while "READY" not in process.log.read_text(errors="replace"):
        if process.popen.poll() is not None or time.monotonic() > deadline:
            raise StartupError(f"{what} did not start:\n{process.tail()}")
        time.sleep(0.05)


def _wait_healthy(process: Process, url: str, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.popen.poll() is not None:
            raise StartupError(f"{what} exited with {process.popen.returncode}:\n{process.tail()}")
        with contextlib.suppress(OSError):
            status, _ = http_json(url, timeout=2)
            if status == 200:
                return
        if time.monotonic() > deadline:
            raise StartupError(f"{what} not healthy after {timeout}s:\n{process.tail()}")
        time.sleep(0.1)


def spawn_subgraphs(scenario: Scenario) -> Process:
    return _spawn(
        [sys.executable, "-m", "tests.federation.harness.server", scenario.name],
        f"subgraphs-{scenario.name}",
    )


def spawn_rumah_gateway(
    supergraph: Path, port: int, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> Process:
    """``rumah gateway serve`` exactly as the conformance runner starts it, as a generic
    federation gateway (the scenarios' subgraphs know nothing of Rumah's credentials), plus
    the scenario's ``gateway_env`` settings and extra arguments such as ``--workers``, if
    any."""
    generic = {"RUMAH_GATEWAY_AUTH": "none", "RUMAH_GATEWAY_ACCESS_RECORDS": "off"}
    return _spawn(
        [
            str(RUMAH),
            "gateway",
            "serve",
            "--supergraph",
            str(supergraph),
            "--port",
            str(port),
            *args,
        ],
        f"rumah-gateway-{port}",
        env={**generic, **(env or {})},
    )


def spawn_apollo_gateway(
    supergraph: Path, port: int, env: Mapping[str, str] | None = None
) -> Process:
    """Apollo Gateway (the oracle) serving the same supergraph; needs node + npm install."""
    node = os.environ.get("NODE", "node")
    return _spawn(
        [
            node,
            str(ORACLE_DIR / "gateway.mjs"),
            "--supergraph",
            str(supergraph),
            "--port",
            str(port),
        ],
        f"apollo-gateway-{port}",
    )


class Launch:
    """A scenario's subgraph server and gateway, spawned at once; ``ready()`` waits for both.

    Spawning does not block, so the next scenario can start while this one runs its cases
    (subgraph ports never overlap between scenarios; gateway ports are free ports).
    """

    def __init__(self, scenario: Scenario, gateway: str = "rumah", timeout: float = 180) -> None:
        self.scenario = scenario
        self.timeout = timeout
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.gateway_name = gateway
        self.subgraphs = spawn_subgraphs(scenario)
        spawn = spawn_apollo_gateway if gateway == "apollo" else spawn_rumah_gateway
        self.gateway = spawn(scenario.supergraph_path, self.port, scenario.gateway_env)
        self._ready = False

    def ready(self) -> str:
        if not self._ready:
            _wait_ready_line(self.subgraphs, f"subgraphs of {self.scenario.name}", self.timeout)
            _wait_healthy(
                self.gateway, f"{self.url}/health", f"{self.gateway_name} gateway", self.timeout
            )
            self._ready = True
        return self.url

    def stop(self) -> None:
        self.gateway.stop()
        self.subgraphs.stop()


@contextlib.contextmanager
def running(scenario: Scenario, gateway: str = "rumah") -> Iterator[str]:
    launch = Launch(scenario, gateway)
    try:
        yield launch.ready()
    finally:
        launch.stop()
