"""Shared by every test: the real engines behind ``@pytest.mark.integration`` tests.

Integration tests talk to the Kafka and FerretDB that ``rumah infra up`` started (``make
test`` does that first). When a run collects any of them, the engines are checked once, by
doing real work (produce + consume, insert + find): if one is not up every integration test
fails with the reason, and the versions the engines report are printed at the start and in
the summary. Subfolders add their own conftest files for their own fixtures.
"""

from __future__ import annotations

import asyncio
import gc
import os
import warnings
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from infra.engines import Engines
from infra.errors import EngineError
from infra.settings import InfraSettings

T = TypeVar("T")
_SURVEY = pytest.StashKey[dict[str, str]]()  # engine -> "version" or "error: …"
_LABELS = {
    "kafka": "Apache Kafka",
    "ferretdb": "FerretDB",
    "postgres": "PostgreSQL",
    "keycloak": "Keycloak",
}


def _run_aside(coro: Coroutine[Any, Any, T]) -> T:
    # A thread of its own, so no event loop that pytest-asyncio manages is touched.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _survey(settings: InfraSettings) -> dict[str, str]:
    engines = Engines(settings)
    found: dict[str, str] = {}
    for name in engines.groups:
        try:
            found[name] = await engines.verify(name)
        except EngineError as exc:
            found[name] = f"error: {exc}"
    return found


def _lines(survey: dict[str, str], settings: InfraSettings) -> list[str]:
    where = {g.name: g.address for g in Engines(settings).groups.values()}
    return [
        f"{_LABELS.get(n, n)}: NOT AVAILABLE ({v.removeprefix('error: ')})"
        if v.startswith("error: ")
        else f"{_LABELS.get(n, n)} {v} at {where.get(n, '?')}"
        for n, v in survey.items()
    ]


def pytest_configure(config: pytest.Config) -> None:
    # Components built from the environment (BackendSettings(), the processes tests spawn)
    # bootstrap from every node of a local cluster, not only from the first one.
    settings = InfraSettings()
    if settings.kafka_nodes > 1:
        os.environ["RUMAH_KAFKA_BOOTSTRAP"] = settings.kafka_client_bootstrap


def pytest_collection_finish(session: pytest.Session) -> None:
    if not any(item.get_closest_marker("integration") for item in session.items):
        return
    settings = InfraSettings()
    survey = _run_aside(_survey(settings))
    session.config.stash[_SURVEY] = survey
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for line in _lines(survey, settings):
            reporter.write_line(f"engines: {line}")


_LEAKS = pytest.StashKey[list[tuple[str, str]]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Collect garbage after each test so an unclosed socket or transport is named with the
    test that left it (pyproject turns ResourceWarning into a recorded warning, not an error:
    when the collector happens to run decides in which later test it would fail)."""
    yield
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    if leaks:
        found = item.config.stash.setdefault(_LEAKS, [])
        found.extend((item.nodeid, leak) for leak in leaks)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    leaks = config.stash.get(_LEAKS, [])
    if leaks:
        terminalreporter.write_sep("-", f"resources left unclosed ({len(leaks)})")
        for nodeid, leak in leaks[:50]:
            terminalreporter.write_line(f"{nodeid}: {leak[:160]}")
    survey = config.stash.get(_SURVEY, None)
    if survey is not None:
        terminalreporter.write_sep("-", "engines the integration tests talked to")
        for line in _lines(survey, InfraSettings()):
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _engines_up(request: pytest.FixtureRequest) -> None:
    """Fail (never skip) an integration test whose engines are not up."""
    if request.node.get_closest_marker("integration") is None:
        return
    survey = request.config.stash.get(_SURVEY, {})
    down = [v.removeprefix("error: ") for v in survey.values() if v.startswith("error: ")]
    if down:
        pytest.fail("the real engines are needed:\n" + "\n".join(down), pytrace=False)


@pytest.fixture(scope="session")
def infra_settings() -> InfraSettings:
    return InfraSettings()


@pytest.fixture
def kafka_bootstrap(infra_settings: InfraSettings) -> str:
    """Every node of the local Kafka (one, or the cluster's three)."""
    return infra_settings.kafka_client_bootstrap


@pytest.fixture
def mongo_url(infra_settings: InfraSettings) -> str:
    return infra_settings.mongo_url


@pytest.fixture
async def engines(infra_settings: InfraSettings) -> AsyncIterator[Engines]:
    """Control of the real engines for fault tests; whatever a test stopped is restarted."""
    control = Engines(infra_settings)
    yield control
    await control.ensure_running()


@pytest.fixture
def spans() -> Iterator[Any]:
    """Tracing on for the test, every span kept in memory (an ``InMemorySpanExporter``)."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from rumah.common import tracing

    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing("rumah-test", exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.shutdown_tracing()
