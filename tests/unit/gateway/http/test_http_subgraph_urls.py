"""Operators point the same supergraph file at other hosts (compose, Kubernetes)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from gateway.ports import SubgraphInfo
from gateway.request.state import build_state
from gateway.settings import GatewaySettings

SHOP = (Path(__file__).parents[1] / "supergraph" / "fixtures" / "shop_v03.graphql").read_text()


def _urls(overrides: Mapping[str, str] | None) -> dict[str, str]:
    seen: dict[str, Mapping[str, SubgraphInfo]] = {}

    def fetcher(subgraphs: Mapping[str, SubgraphInfo]) -> Any:
        seen["subgraphs"] = subgraphs
        return object()

    state = build_state(SHOP, fetcher, subgraph_urls=overrides)
    assert state.supergraph.subgraphs is seen["subgraphs"]  # the fetcher and WS use the same
    return {info.name: info.url for info in seen["subgraphs"].values()}


def test_overrides_replace_only_the_named_subgraphs() -> None:
    original = _urls(None)
    name = sorted(original)[0]
    changed = _urls({name: "http://elsewhere:9999/graphql"})
    assert changed[name] == "http://elsewhere:9999/graphql"
    assert {k: v for k, v in changed.items() if k != name} == {
        k: v for k, v in original.items() if k != name
    }


def test_unknown_subgraph_names_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "rumah.gateway"):
        urls = _urls({"no-such-subgraph": "http://x/graphql"})
    assert urls == _urls(None)
    assert "no-such-subgraph" in caplog.text


def test_setting_is_read_as_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "RUMAH_GATEWAY_SUBGRAPH_URLS", '{"planning": "http://planning:4001/graphql"}'
    )
    assert GatewaySettings().subgraph_urls == {"planning": "http://planning:4001/graphql"}
