"""What a person sees follows their role and OPD; the keyboard reaches everything; and the
gateway's GraphiQL, like Monev, loads nothing from outside the hub."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Route, expect

from tests.browser.conftest import RunningHub, sign_in


def test_an_integrator_sees_only_their_own_opd(context: BrowserContext, hub: RunningHub) -> None:
    opd = hub.credentials["opds"]["integrator"]
    page = context.new_page()
    sign_in(page, hub, "integrator", "/ringkasan")
    expect(page.locator(".who .user")).to_contain_text(opd)
    rows = page.locator("tbody#overview-rows > tr")
    expect(rows.first).to_be_visible()
    opds = rows.evaluate_all("rs => rs.map(r => r.querySelector('th .sub').textContent)")
    assert opds and all(text.strip().startswith(opd) for text in opds)
    page.goto(f"{hub.hub.monev}/jejak-audit")
    events = page.locator("#audit-rows tr.entry")
    expect(events.first).to_be_visible()
    # the ledger (through the gateway, from the forwarded principal) keeps to the OPD
    texts = events.evaluate_all("rs => rs.map(r => r.cells[2].querySelector('.sub').textContent)")
    assert all(t.strip().endswith(opd) for t in texts)


def test_the_keyboard_reaches_the_content_first(context: BrowserContext, hub: RunningHub) -> None:
    page = context.new_page()
    sign_in(page, hub, "auditor", "/ringkasan")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Langsung ke isi"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    inside_main = page.evaluate("!!document.activeElement.closest('main')")
    assert inside_main
    unlabeled = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select')]"
        ".filter(e => !e.labels || e.labels.length === 0).length"
    )
    assert unlabeled == 0


def test_graphiql_and_monev_load_nothing_from_outside(
    context: BrowserContext, hub: RunningHub
) -> None:
    outside: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname not in ("127.0.0.1", "localhost"):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page = context.new_page()
    page.route("**/*", guard)
    page.goto(hub.hub.gateway)
    expect(page.locator(".graphiql-container")).to_be_visible(timeout=30_000)
    sign_in(page, hub, "auditor", "/anggaran")
    expect(page.locator("canvas[data-chart][data-drawn]")).to_have_count(1)
    assert outside == []
