"""Monev with ``RUMAH_MONEV_AUTH=oidc`` against the real Keycloak that ``rumah infra up``
started (realm ``rumah``, client ``rumah-monev``, Monev's default claims): Chromium signs in
through Keycloak's own login form, and Monev shows the overview it read from a gateway that
trusts nothing but that Keycloak (``RUMAH_GATEWAY_OIDC_ISSUER``) with the user's token. A wrong
password stays on Keycloak's page and opens no Monev session."""

from __future__ import annotations

import re
import secrets
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from infra.settings import InfraSettings
from monev.auth.session import SESSION_COOKIE
from rumah.freehub import FreeHub
from tests.browser.conftest import RunningHub, post

pytestmark = pytest.mark.integration  # needs the Keycloak of `rumah infra up`

APPS = "{ applications(first: 200) { items { id } } }"


@pytest.fixture(scope="module")
def issuer() -> str:
    return f"{InfraSettings().keycloak_url}/realms/rumah"


@pytest.fixture(scope="module")
def oidc_hub(tmp_path_factory: pytest.TempPathFactory, issuer: str) -> Iterator[RunningHub]:
    """The hub with no static token anywhere: the gateway trusts the realm's tokens only and
    Monev signs people in through the realm with its default client and claims."""
    workdir = tmp_path_factory.mktemp("monev-keycloak-hub")
    hub = FreeHub(
        workdir,
        gateway_env={"RUMAH_GATEWAY_OIDC_ISSUER": issuer},
        monev_env={
            "RUMAH_MONEV_AUTH": "oidc",
            "RUMAH_MONEV_OIDC_DISCOVERY_URL": f"{issuer}/.well-known/openid-configuration",
            "RUMAH_MONEV_SESSION_SECRET": secrets.token_urlsafe(48),
        },
    )
    running = RunningHub(workdir, hub)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def password_token(issuer: str, user: str, password: str) -> str:
    """A token of the realm's test client for ``user`` (to read what Monev should show)."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "password",
            "client_id": "rumah-tests",
            "client_secret": "rumah-tests-secret",
            "username": user,
            "password": password,
        }
    ).encode()
    with urllib.request.urlopen(f"{issuer}/protocol/openid-connect/token", form, 30) as resp:
        return str(orjson.loads(resp.read())["access_token"])


def gateway(hub: RunningHub, query: str, token: str | None) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    status, raw = post(hub.hub.gateway, {"query": query}, **headers)
    return status, orjson.loads(raw) if raw else None


def keycloak_login(page: Page, hub: RunningHub, issuer: str, user: str, password: str) -> None:
    page.goto(f"{hub.hub.monev}/ringkasan")
    expect(page).to_have_url(f"{hub.hub.monev}/masuk?next=%2Fringkasan")  # signed out
    page.locator("#signin-oidc").click()
    # Keycloak's own page, asked for the realm's Monev client
    expect(page).to_have_url(re.compile(re.escape(f"{issuer}/protocol/openid-connect/auth?")))
    assert "client_id=rumah-monev&" in page.url
    page.locator("#username").fill(user)
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()


def session_cookie(context: BrowserContext) -> list[str]:
    return [c["name"] for c in context.cookies() if c["name"] == SESSION_COOKIE]


def test_an_auditor_signs_in_through_keycloak_and_sees_the_gateways_overview(
    context: BrowserContext, oidc_hub: RunningHub, issuer: str
) -> None:
    # the gateway serves nobody without a realm token …
    status, _ = gateway(oidc_hub, APPS, None)
    assert status == 401
    # … and this is what the auditor may read through it
    status, body = gateway(oidc_hub, APPS, password_token(issuer, "auditor", "auditor-pass"))
    assert status == 200 and not body.get("errors"), body
    apps = body["data"]["applications"]["items"]
    assert apps

    page = context.new_page()
    keycloak_login(page, oidc_hub, issuer, "auditor", "auditor-pass")
    expect(page).to_have_url(f"{oidc_hub.hub.monev}/ringkasan", timeout=30_000)
    expect(page.get_by_role("heading", name="Ringkasan", exact=True)).to_be_visible()
    expect(page.locator(".who .user")).to_have_text("auditor")  # preferred_username
    rows = page.locator("tbody#overview-rows > tr")
    expect(rows).to_have_count(len(apps))  # read from the gateway with the auditor's token
    for app in apps:
        expect(page.locator(f"#app-{app['id']}")).to_be_visible()
    assert session_cookie(context) == [SESSION_COOKIE]


def test_a_wrong_password_stays_on_keycloak_and_opens_no_session(
    context: BrowserContext, oidc_hub: RunningHub, issuer: str
) -> None:
    page = context.new_page()
    keycloak_login(page, oidc_hub, issuer, "auditor", "not-the-password")
    expect(page.get_by_text("Invalid username or password.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Password")).to_have_value("")
    assert page.url.startswith(f"{issuer}/login-actions/")  # still Keycloak's form
    assert session_cookie(context) == []
    page.goto(f"{oidc_hub.hub.monev}/ringkasan")
    expect(page).to_have_url(f"{oidc_hub.hub.monev}/masuk?next=%2Fringkasan")
