"""Browser tests: the whole hub runs as real processes on free ports (``rumah.freehub``),
with bearer tokens on the gateway from the dev credentials file, and Playwright drives
Debian's Chromium (``make test`` installs it; Playwright's own browser download cannot work
here). Screenshots go to ``var/monev-screenshots/`` or to ``$RUMAH_MONEV_SCREENSHOTS``
(``make screenshots`` points it at ``docs/monev/``)."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import orjson
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from monev.auth.local import ensure_credentials, gateway_tokens
from rumah.freehub import FreeHub, with_role_scopes

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RUMAH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REFRESH_S = 2.0  # Monev's periodic re-read in these tests


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


class RunningHub:
    """The hub in a background event loop, plus plain HTTP helpers for the tests."""

    def __init__(self, workdir: Path, hub: FreeHub | None = None) -> None:
        self.credentials = ensure_credentials(workdir / "dev-credentials.json")
        self.hub = hub or FreeHub(
            workdir,
            gateway_tokens=with_role_scopes(gateway_tokens(self.credentials)),
            monev_env={
                "RUMAH_MONEV_DEV_CREDENTIALS": str(workdir / "dev-credentials.json"),
                "RUMAH_MONEV_REFRESH_INTERVAL_S": str(REFRESH_S),
            },
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _call(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result()

    def start(self) -> None:
        self.thread.start()
        self._call(self.hub.start())

    def stop(self) -> None:
        try:
            self._call(self.hub.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    def token(self, role: str) -> str:
        return str(self.credentials["tokens"][role])

    def graphql(self, query: str, role: str = "auditor", **variables: Any) -> dict[str, Any]:
        status, raw = post(
            self.hub.gateway,
            {"query": query, "variables": variables},
            authorization=f"Bearer {self.token(role)}",
        )
        body = orjson.loads(raw)
        assert status == 200 and not body.get("errors"), body
        return dict(body["data"])

    def admin(self, service: str, path: str, body: Any = None) -> Any:
        status, raw = post(f"{self.hub.sim(service)}/_admin/{path}", body or {})
        assert status == 200, raw
        return orjson.loads(raw)


def post(url: str, body: Any, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=orjson.dumps(body),
        method="POST",
        headers={"content-type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# Package scope: the hub and Playwright end with the browser tests. Playwright's sync API
# runs an event loop of its own in this thread, which would break every asyncio test after
# it if it stayed open for the session.
@pytest.fixture(scope="package")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    running = RunningHub(tmp_path_factory.mktemp("monev-hub"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # launch() gives Chromium a fresh temporary profile (user-data-dir) of its own
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    yield ctx
    ctx.close()


def sign_in(page: Page, hub: RunningHub, role: str = "auditor", next_url: str = "/") -> None:
    page.goto(f"{hub.hub.monev}/masuk?next={next_url}")
    page.get_by_label(role_label(role)).check()
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state("domcontentloaded")


def role_label(role: str) -> str:
    return {"auditor": "Auditor", "operator": "Operator", "integrator": "Integrator"}[role]


@pytest.fixture
def page(context: BrowserContext, hub: RunningHub) -> Page:
    page = context.new_page()
    sign_in(page, hub)
    return page


def screenshot_dir() -> Path:
    target = Path(os.environ.get("RUMAH_MONEV_SCREENSHOTS") or ROOT / "var" / "monev-screenshots")
    if not target.is_absolute():
        target = ROOT / target
    target.mkdir(parents=True, exist_ok=True)
    return target


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


__all__ = ["REFRESH_S", "RunningHub", "screenshot", "shutil", "sign_in"]
