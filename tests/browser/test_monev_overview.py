"""Ringkasan in a real browser against the running hub: sign-in, real rows, live changes
through the ``changes`` subscription, an upstream taken down turning its row red."""

from __future__ import annotations

import re
import time

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import REFRESH_S, RunningHub, screenshot, sign_in

APPS = """{ applications(first: 200) { items { id stage owner { id holder { name } } } } }"""


def test_signing_in_leads_to_the_overview_with_every_registered_application(
    context: BrowserContext, hub: RunningHub
) -> None:
    page = context.new_page()
    page.goto(f"{hub.hub.monev}/ringkasan")
    expect(page).to_have_url(f"{hub.hub.monev}/masuk?next=%2Fringkasan")  # signed out
    sign_in(page, hub, "auditor", "/ringkasan")
    expect(page.get_by_role("heading", name="Ringkasan", exact=True)).to_be_visible()
    apps = hub.graphql(APPS)["applications"]["items"]
    rows = page.locator("tbody#overview-rows > tr")
    expect(rows).to_have_count(len(apps))
    for app in apps:
        row = page.locator(f"#app-{app['id']}")
        expect(row).to_have_attribute("data-stage", app["stage"])
        holder = app["owner"]["holder"]
        expect(row.locator(".holder")).to_have_text(holder["name"] if holder else "Lowong")
    severities = rows.evaluate_all("rs => rs.map(r => r.dataset.severity)")
    rank = {"problem": 0, "warning": 1, "ok": 2}
    assert [rank[s] for s in severities] == sorted(rank[s] for s in severities)  # problems first
    footer = page.locator("#debug-footer [data-queries]")
    expect(footer).to_have_text("1")
    screenshot(page, "ringkasan")


def test_a_change_in_a_simulator_appears_on_the_open_overview_without_reloading(
    page: Page, hub: RunningHub
) -> None:
    page.goto(f"{hub.hub.monev}/ringkasan")
    expect(page.locator("html[data-live=open]")).to_have_count(1)
    expect(page.locator("html[data-sse-rows]")).to_have_count(1)  # the stream's first rows
    expect(page.locator("#overview-rows tr.changed")).to_have_count(0)  # nothing changed yet
    page.evaluate("window.__sameDocument = true")
    row = page.locator("#app-sipjalan")
    expect(row).to_have_attribute("data-stage", "PLANNED")
    started = time.monotonic()
    hub.admin("registry", "aksi/ubah_tahap", {"id_aplikasi": "sipjalan", "kd_tahap": 2})
    expect(row).to_have_attribute("data-stage", "DEVELOPMENT")
    elapsed = time.monotonic() - started
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    expect(row.locator(".stage")).to_contain_text("Pengembangan")
    expect(row).to_have_class(re.compile(r"\bchanged\b"))  # highlighted for the eye
    expect(page.locator("#live-status .change")).to_contain_text("sipjalan")
    print(f"change to screen: {elapsed:.2f}s")


def test_an_upstream_taken_down_turns_its_row_red_and_back(page: Page, hub: RunningHub) -> None:
    page.goto(f"{hub.hub.monev}/ringkasan")
    row = page.locator("#app-sicantik")
    expect(row.locator(".reason-unreachable")).to_have_count(0)
    hub.admin("licensing", "faults", {"down": True})
    try:
        # the service notices on its next pull; Monev re-reads every REFRESH_S
        expect(row).to_have_attribute("data-severity", "problem", timeout=(REFRESH_S + 8) * 1000)
        expect(row.locator(".reason-unreachable")).to_have_text("Aplikasi OPD tidak terjangkau")
        mark = row.locator("th[scope=row]")
        color = mark.evaluate("h => getComputedStyle(h).borderLeftColor")
        assert color == "rgb(176, 0, 32)"  # the problem red
        page.wait_for_timeout(2500)  # the "changed" highlight fades before the picture
        screenshot(page, "ringkasan-upstream-mati")
    finally:
        hub.admin("licensing", "faults", {"down": False})
    expect(row.locator(".reason-unreachable")).to_have_count(0, timeout=30_000)


def test_the_overview_fits_a_phone_screen(context: BrowserContext, hub: RunningHub) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, hub, "auditor", "/ringkasan")
    expect(page.locator("tbody#overview-rows > tr").first).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(page, "ringkasan-ponsel", full_page=False)
