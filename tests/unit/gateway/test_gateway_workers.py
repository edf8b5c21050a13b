"""Several worker processes: sockets sharing one port, the supervisor's restarts and stops, and
metrics that add up across workers (the whole gateway with --workers is exercised in
``tests/federation/test_workers.py``)."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from gateway.metrics import GatewayMetrics, merge
from gateway.worker_metrics import MetricsShare, WorkerSlot
from gateway.workers import STARTUP_FAILURE, BindError, Supervisor, listen

HOST = "127.0.0.1"


# --------------------------------------------------------------------------- sockets
def test_workers_listen_on_one_port_with_a_socket_each() -> None:
    sockets = listen(HOST, 0, 3)
    try:
        ports = {s.getsockname()[1] for s in sockets}
        assert len(ports) == 1 and len(sockets) == 3
        port = ports.pop()
        # a client connects; exactly one of the sockets has it queued
        with socket.create_connection((HOST, port), timeout=5):
            time.sleep(0.05)
            ready = 0
            for s in sockets:
                s.setblocking(False)
                try:
                    conn, _ = s.accept()
                except BlockingIOError:
                    continue
                conn.close()
                ready += 1
            assert ready == 1
    finally:
        for s in sockets:
            s.close()


def test_a_port_held_without_reuseport_is_refused_clearly() -> None:
    holder = socket.socket()
    holder.bind((HOST, 0))
    holder.listen()
    try:
        with pytest.raises(BindError, match=r"cannot listen on 127\.0\.0\.1:\d+"):
            listen(HOST, holder.getsockname()[1], 2)
    finally:
        holder.close()


# --------------------------------------------------------------------------- supervisor
# Targets run in spawned worker processes: module-level, driven by files in a directory.
def serve_until_stopped(directory: str, index: int, sock: socket.socket) -> None:
    """Record the start, then wait for SIGTERM (as uvicorn does) and record the stop."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    marker = Path(directory) / f"start-{index}-{os.getpid()}"
    marker.write_text(str(sock.getsockname()[1]))
    if index == 0 and not (Path(directory) / "crashed").exists():
        (Path(directory) / "crashed").write_text("once")
        os._exit(1)  # the first worker 0 dies once, after serving started
    stop.wait(60)
    (Path(directory) / f"stop-{index}-{os.getpid()}").write_text("graceful")


def fail_at_startup(directory: str, index: int, sock: socket.socket) -> None:
    raise SystemExit(STARTUP_FAILURE)


def always_crash(directory: str, index: int, sock: socket.socket) -> None:
    os._exit(1)


def _files(directory: Path, prefix: str) -> list[Path]:
    return sorted(directory.glob(f"{prefix}-*"))


def _until(what: str, check: object, patience: float = 60.0) -> None:
    deadline = time.monotonic() + patience
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for: {what}")
        time.sleep(0.02)


def _supervise(
    target: object, tmp_path: Path, workers: int = 2, **kw: object
) -> tuple[Supervisor, threading.Thread, list[int]]:
    import functools

    sockets = listen(HOST, 0, workers)
    sup = Supervisor(
        functools.partial(target, str(tmp_path)),
        sockets,  # type: ignore[call-overload]
        poll=0.05,
        **kw,
    )
    result: list[int] = []
    # signals can only be installed from the main thread: run() falls back when it is not
    thread = threading.Thread(target=lambda: result.append(sup.run()))
    thread.start()
    return sup, thread, result


def test_a_dead_worker_is_replaced_on_its_socket_and_all_stop_gracefully(tmp_path: Path) -> None:
    sup, thread, result = _supervise(serve_until_stopped, tmp_path)
    # worker 0 died once after starting: a second one started in its place
    _until("worker 0 replaced", lambda: len(_files(tmp_path, "start-0")) == 2)
    _until("worker 1 started", lambda: len(_files(tmp_path, "start-1")) == 1)
    ports = {p.read_text() for p in _files(tmp_path, "start")}
    assert len(ports) == 1  # every worker, the replacement too, listened on the one port
    sup.stopping.set()
    thread.join(60)
    assert result == [0]
    # each living worker was asked to stop (SIGTERM) and finished on its own
    assert len(_files(tmp_path, "stop")) == 2


def test_a_worker_failing_at_startup_stops_everything(tmp_path: Path) -> None:
    _, thread, result = _supervise(fail_at_startup, tmp_path)
    thread.join(60)
    assert result == [1]


def test_a_crash_loop_stops_everything(tmp_path: Path) -> None:
    _, thread, result = _supervise(always_crash, tmp_path, workers=1, max_restarts=2)
    thread.join(60)
    assert result == [1]


# --------------------------------------------------------------------------- metrics
def _samples(metrics: GatewayMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(metrics.registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _worker_metrics(
    index: int, ok: int, fetches: int, directory: Path
) -> tuple[GatewayMetrics, MetricsShare]:
    m = GatewayMetrics()
    share = MetricsShare(WorkerSlot(index, 2, directory))
    m.worker = {"index": index, "pid": 1000 + index}
    m.peers = share.peers
    for _ in range(ok):
        m.request("ok", 0.002)
    for _ in range(fetches):
        m.fetched("reviews", True, 0.001)
    m.deduplicated("reviews")
    return m, share


def test_a_scrape_of_any_worker_shows_the_totals_of_all(tmp_path: Path) -> None:
    a, share_a = _worker_metrics(0, ok=3, fetches=2, directory=tmp_path)
    b, share_b = _worker_metrics(1, ok=5, fetches=7, directory=tmp_path)
    share_a.publish(a.snapshot())
    share_b.publish(b.snapshot())
    for scraped in (a, b):
        s = _samples(scraped)
        assert s[("rumah_gateway_requests_total", (("outcome", "ok"),))] == 8
        assert s[("rumah_gateway_request_duration_seconds_count", ())] == 8
        assert (
            s[
                (
                    "rumah_gateway_subgraph_requests_total",
                    (("outcome", "ok"), ("subgraph", "reviews")),
                )
            ]
            == 9
        )
        assert (
            s[("rumah_gateway_subgraph_requests_deduplicated_total", (("subgraph", "reviews"),))]
            == 2
        )
        assert s[("rumah_gateway_workers", ())] == 2
        assert s[("rumah_gateway_supergraph_loaded", ())] == 0
    # the scraped worker's own numbers are live, the other's as last published
    a.request("ok", 0.002)
    assert _samples(a)[("rumah_gateway_requests_total", (("outcome", "ok"),))] == 9
    assert _samples(b)[("rumah_gateway_requests_total", (("outcome", "ok"),))] == 8


def test_a_replacement_worker_keeps_its_predecessors_counts(tmp_path: Path) -> None:
    old, share = _worker_metrics(0, ok=4, fetches=0, directory=tmp_path)
    share.publish(old.snapshot())
    new, new_share = _worker_metrics(0, ok=1, fetches=0, directory=tmp_path)
    new.carried = new_share.adopt()
    assert new.snapshot()["requests"]["ok"] == 5
    new_share.publish(new.snapshot())
    again, again_share = _worker_metrics(0, ok=0, fetches=0, directory=tmp_path)
    again.carried = again_share.adopt()
    assert again.snapshot()["requests"]["ok"] == 5  # carried through two replacements


def test_a_silent_workers_counters_count_but_not_its_gauges(tmp_path: Path) -> None:
    a, share_a = _worker_metrics(0, ok=1, fetches=0, directory=tmp_path)
    b, share_b = _worker_metrics(1, ok=2, fetches=0, directory=tmp_path)
    b.websockets = lambda: 7
    a.slots = lambda: (8, 0)
    b.slots = lambda: (12, 3)
    share_b.publish(b.snapshot())
    assert _samples(a)[("rumah_gateway_websocket_connections", ())] == 7
    assert _samples(a)[("rumah_gateway_execution_slots", ())] == 20  # summed over workers
    assert _samples(a)[("rumah_gateway_executions_waiting", ())] == 3
    old = time.time() - 60
    os.utime(share_b.path, (old, old))  # not refreshed for a minute: that worker is gone
    s = _samples(a)
    assert s[("rumah_gateway_websocket_connections", ())] == 0
    assert s[("rumah_gateway_execution_slots", ())] == 8
    assert s[("rumah_gateway_requests_total", (("outcome", "ok"),))] == 3
    assert s[("rumah_gateway_workers", ())] == 1


def test_merge_rules() -> None:
    one = {
        "requests": {"ok": 1},
        "supergraph_loaded": 1,
        "subgraphs": 3,
        "websockets": 1,
        "plan_cache_entries": 4,
        "worker": {"index": 0, "pid": 1},
    }
    two = {
        "requests": {"ok": 2, "error": 1},
        "supergraph_loaded": 0,
        "subgraphs": 0,
        "websockets": 2,
        "plan_cache_entries": 1,
        "worker": {"index": 1, "pid": 2},
    }
    gone = {"requests": {"ok": 10}, "websockets": 99}
    merged = merge([one, two], [gone])
    assert merged["requests"] == {"ok": 13, "error": 1}
    assert merged["supergraph_loaded"] == 0  # one worker still loading
    assert merged["subgraphs"] == 3
    assert merged["websockets"] == 3 and merged["plan_cache_entries"] == 5
    assert [w["index"] for w in merged["workers"]] == [0, 1]
