"""``rumah gateway serve --workers 2`` as a whole: one port, two worker processes.

Checked through what a user sees: ``/metrics`` totals (any worker answers a scrape, with
the totals of both), a killed worker replaced without losing its counts, a supergraph change
reaching every worker, a graceful stop that finishes the request in flight, and workers that
stop when their supervisor is killed. Each request opens a new connection, so the kernel
spreads them over both workers' sockets. Waits are for counts and log lines, never for time.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.federation.harness.model import HOST, Scenario, load_scenario
from tests.federation.harness.processes import (
    Process,
    free_port,
    http_json,
    spawn_rumah_gateway,
    spawn_subgraphs,
    until,
)

pytestmark = pytest.mark.federation

PATIENCE = 120.0
RECORDS = "http://127.0.0.1:4301"


@dataclass
class Workers:
    url: str
    gateway: Process
    subgraphs: Process
    supergraph: Path
    tmp: Path  # the gateway's TMPDIR: its supervisor's metrics directory is made there


def _scrape(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        return str(response.read().decode())


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _workers(text: str) -> dict[str, tuple[int, str]]:
    """worker index → (pid, supergraph hash) from ``rumah_gateway_worker_info``."""
    out = {}
    for line in text.splitlines():
        match = re.match(r"rumah_gateway_worker_info\{(.*)\} 1\.0", line)
        if match:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            out[labels["worker"]] = (int(labels["pid"]), labels["supergraph"])
    return out


def _serving(url: str, count: int = 2) -> bool:
    try:
        text = _scrape(url)
    except OSError:
        return False
    return (
        _value(text, "rumah_gateway_workers") == count
        and _value(text, "rumah_gateway_supergraph_loaded") == 1
    )


def _post(url: str, query: str, token: str = "t-audit") -> tuple[int, Any]:
    return http_json(f"{url}/graphql", {"query": query}, 60.0, {"authorization": f"Bearer {token}"})


def _start(scenario: Scenario, tmp: Path) -> Workers:
    supergraph = tmp / "supergraph.graphql"
    shutil.copy(scenario.supergraph_path, supergraph)
    port = free_port()
    subgraphs = spawn_subgraphs(scenario)
    env = {**scenario.gateway_env, "TMPDIR": str(tmp)}
    gateway = spawn_rumah_gateway(supergraph, port, env, ("--workers", "2"))
    url = f"http://{HOST}:{port}"
    workers = Workers(url, gateway, subgraphs, supergraph, tmp)
    try:
        until(
            "the subgraphs", lambda: "READY" in subgraphs.log.read_text(errors="replace"), subgraphs
        )
        until("both workers serving the supergraph", lambda: _serving(url), gateway)
    except BaseException:
        _stop(workers)
        raise
    return workers


def _stop(workers: Workers) -> None:
    http_json(f"{RECORDS}/__release", {}) if workers.subgraphs.popen.poll() is None else None
    workers.gateway.stop()
    workers.subgraphs.stop()


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in state  # a zombie has exited; only its parent may reap it


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("deduplication")


@pytest.fixture(scope="class")
def workers(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    started = _start(scenario, tmp_path_factory.mktemp("workers"))
    try:
        yield started
    finally:
        _stop(started)


class TestTwoWorkers:
    def test_every_scrape_shows_the_totals_of_both_workers(self, workers: Workers) -> None:
        name = 'rumah_gateway_requests_total{outcome="ok"}'
        before = _value(_scrape(workers.url), name)
        for _ in range(40):  # a new connection each: the kernel spreads them over both
            status, answer = _post(workers.url, "{ whoami }")
            assert status == 200 and answer == {"data": {"whoami": "auditor"}}
        # a worker adds its siblings' latest snapshots (published every second): wait until a
        # run of 30 scrapes all count all 40 (new connections, which the kernel spreads over
        # both workers: a run reaching only one of them has odds of 2**-29)
        until(
            "every scrape counting all 40",
            lambda: all(_value(_scrape(workers.url), name) - before == 40 for _ in range(30)),
        )
        # whichever worker answers a scrape, it answers for both
        for _ in range(8):
            assert _value(_scrape(workers.url), name) - before == 40

    def test_a_killed_worker_is_replaced_and_its_counts_stay(self, workers: Workers) -> None:
        name = 'rumah_gateway_requests_total{outcome="ok"}'
        (shared,) = workers.tmp.glob("rumah-gateway-workers-*")

        def published() -> float:
            return float(
                sum(
                    orjson.loads(f.read_bytes())["requests"]["ok"]
                    for f in shared.glob("worker-*.json")
                )
            )

        # both workers' published numbers are their latest (what a successor adopts) when a
        # run of scrapes reaching both (own live numbers + the sibling's file) all equal them
        until(
            "both workers' published numbers current",
            lambda: all(_value(_scrape(workers.url), name) == published() for _ in range(30)),
        )
        text = _scrape(workers.url)
        before, pids = _value(text, name), _workers(text)
        assert set(pids) == {"0", "1"}
        os.kill(pids["0"][0], signal.SIGKILL)
        until(
            "a new worker 0",
            lambda: (
                _workers(_scrape(workers.url)).get("0", pids["0"])[0] != pids["0"][0]
                and _serving(workers.url)
            ),
            workers.gateway,
        )
        assert _workers(_scrape(workers.url))["1"] == pids["1"]  # the other one untouched
        for _ in range(4):
            assert _value(_scrape(workers.url), name) == before
        assert _post(workers.url, "{ whoami }")[1] == {"data": {"whoami": "auditor"}}

    def test_a_supergraph_change_reaches_every_worker(self, workers: Workers) -> None:
        text = workers.supergraph.read_text("utf-8")
        changed = text.replace(
            '  """Who the subgraph was told the caller is."""\n'
            "  whoami: String! @join__field(graph: RECORDS)\n",
            "",
        )
        assert changed != text

        def serving(sdl: str) -> Callable[[], bool]:
            """Both workers report serving ``sdl``, in a run of scrapes reaching both (a
            worker's view of its sibling is up to one publishing interval old)."""
            digest = hashlib.sha256(sdl.encode()).hexdigest()
            return lambda: all(
                {h for _, h in _workers(_scrape(workers.url)).values()} == {digest}
                and _serving(workers.url)
                for _ in range(30)
            )

        until("both workers serve the first supergraph", serving(text), workers.gateway)
        workers.supergraph.write_text(changed, "utf-8")
        until("both workers serve the new supergraph", serving(changed), workers.gateway)
        for _ in range(10):  # new connections, both workers: the field is gone everywhere
            status, answer = _post(workers.url, "{ whoami }")
            assert answer["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert _post(workers.url, "{ records { id } }")[1]["data"]["records"][0] == {"id": "r1"}


def test_a_graceful_stop_finishes_the_request_in_flight(scenario: Scenario, tmp_path: Path) -> None:
    workers = _start(scenario, tmp_path)
    try:
        pids = [pid for pid, _ in _workers(_scrape(workers.url)).values()]
        http_json(f"{RECORDS}/__mode", {"mode": "hold"})
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(_post, workers.url, "{ records { id title } }", "t-health")
            until(
                "the query held at the subgraph",
                lambda: len(http_json(f"{RECORDS}/__calls")[1]["calls"]) == 1,
            )
            workers.gateway.popen.send_signal(signal.SIGTERM)
            until(
                "both workers shutting down",
                lambda: (
                    workers.gateway.log.read_text(errors="replace").count('"Shutting down"') == 2
                ),
                workers.gateway,
            )
            http_json(f"{RECORDS}/__release", {})
            status, answer = pending.result(timeout=PATIENCE)
        assert status == 200
        assert answer == {
            "data": {"records": [{"id": "r2", "title": "Data posyandu Desa Sei Rampah"}]}
        }
        assert workers.gateway.popen.wait(timeout=PATIENCE) == 0
        assert "gateway.workers_stopped" in workers.gateway.log.read_text(errors="replace")
        assert all(_gone(pid) for pid in pids)
    finally:
        _stop(workers)


def test_workers_stop_when_their_supervisor_is_killed(scenario: Scenario, tmp_path: Path) -> None:
    workers = _start(scenario, tmp_path)
    try:
        pids = [pid for pid, _ in _workers(_scrape(workers.url)).values()]
        assert len(pids) == 2
        workers.gateway.popen.kill()
        workers.gateway.popen.wait()
        until("the orphaned workers stop", lambda: all(_gone(pid) for pid in pids))
    finally:
        _stop(workers)
