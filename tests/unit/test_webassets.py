"""Rumah serves its browser assets itself: installed from the npm lock, listed by name, and
GraphiQL's page loads nothing from another origin."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gateway.http.graphiql import ASSET_MOUNT, graphiql_page
from rumah.common import webassets
from rumah.common.webassets.asgi import AssetApp, asset_url


def test_every_served_file_comes_from_a_package_pinned_in_the_lock() -> None:
    lock = json.loads(webassets.LOCK.read_text())
    manifest = json.loads(webassets.MANIFEST.read_text())
    for name, rel in webassets.FILES.items():
        package = rel.split("/", 1)[0]
        pinned = manifest["dependencies"][package]
        assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"{package} is not pinned exactly"
        entry = lock["packages"][f"node_modules/{package}"]
        assert entry["version"] == pinned and entry["integrity"].startswith("sha512-"), name


def test_the_assets_are_installed() -> None:
    assert webassets.missing() == [], "run `make install` (npm ci of rumah/common/webassets)"


def test_graphiql_loads_only_same_origin_assets() -> None:
    page = graphiql_page("/graphql").decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith(f"{ASSET_MOUNT}/{webassets.digest()}/") for s in sources)
    assert "unpkg" not in page and "cdn" not in page.lower()


async def _get(app: AssetApp, path: str) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    await app({"type": "http", "method": "GET", "path": path}, receive, send)
    headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], headers, sent[1]["body"]


async def test_listed_assets_are_served_with_long_caching_and_nothing_else() -> None:
    app = AssetApp(ASSET_MOUNT)
    status, headers, body = await _get(app, asset_url(ASSET_MOUNT, "htmx.min.js"))
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert "immutable" in headers["cache-control"] and b"htmx" in body
    for bad in (
        f"{ASSET_MOUNT}/{webassets.digest()}/package.json",
        f"{ASSET_MOUNT}/{webassets.digest()}/../../etc/passwd",
        f"{ASSET_MOUNT}/0000000000000000/htmx.min.js",
    ):
        assert (await _get(app, bad))[0] == 404


@pytest.mark.parametrize("name", sorted(webassets.FILES))
def test_each_listed_file_exists_in_the_install(name: str) -> None:
    path = webassets.path_of(name)
    assert path is not None and path.is_file() and path.stat().st_size > 1000
