"""``percent(x)`` progressive override through the real gateway: drawn once per request.

Over 200 requests of ``{ permits { fee } }`` (``fee`` moves to ``modern`` with
``percent(50)``) both owners answer, each request entirely from one owner. The band is wide
(20–80 %): a fair draw leaves it with probability below 1e-15.
"""

from __future__ import annotations

import pytest

from tests.federation.harness.model import load_scenario
from tests.federation.harness.processes import http_json, running

pytestmark = pytest.mark.federation

REQUESTS = 200


def test_percent_label_is_drawn_per_request_and_both_owners_serve() -> None:
    scenario = load_scenario("override_progressive")
    with running(scenario) as url:
        owners = []
        for _ in range(REQUESTS):
            status, body = http_json(f"{url}/graphql", {"query": "{ permits { fee } }"})
            assert status == 200 and "errors" not in body, body
            fees = [p["fee"] for p in body["data"]["permits"]]
            assert fees in ([0, 0], [150000, 75000]), fees  # one owner for the whole request
            owners.append("legacy" if fees == [0, 0] else "modern")
    new_share = owners.count("modern") / REQUESTS
    assert 0.2 <= new_share <= 0.8, new_share
