"""The gateway's metrics render as Prometheus histograms and counters with the right values."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from gateway.metrics import GatewayMetrics


def _samples(metrics: GatewayMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client import generate_latest

    text = generate_latest(metrics.registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_latency_buckets_are_cumulative_and_a_bound_belongs_to_its_bucket() -> None:
    m = GatewayMetrics()
    for seconds in (0.0004, 0.001, 0.003, 0.2, 45.0):
        m.request("ok", seconds)
    m.request("rejected")
    m.fetched("products", True, 0.002)
    m.fetched("products", False, 31.0)
    s = _samples(m)
    name = "rumah_gateway_request_duration_seconds"
    assert s[(f"{name}_bucket", (("le", "0.001"),))] == 2  # 0.001 itself is "≤ 0.001"
    assert s[(f"{name}_bucket", (("le", "0.005"),))] == 3
    assert s[(f"{name}_bucket", (("le", "30.0"),))] == 4
    assert s[(f"{name}_bucket", (("le", "+Inf"),))] == 5
    assert s[(f"{name}_count", ())] == 5
    assert abs(s[(f"{name}_sum", ())] - 45.2044) < 1e-9
    assert s[("rumah_gateway_requests_total", (("outcome", "ok"),))] == 5
    assert s[("rumah_gateway_requests_total", (("outcome", "rejected"),))] == 1
    assert s[("rumah_gateway_requests_total", (("outcome", "partial"),))] == 0
    fetches = "rumah_gateway_subgraph_requests_total"
    assert s[(fetches, (("outcome", "ok"), ("subgraph", "products")))] == 1
    assert s[(fetches, (("outcome", "error"), ("subgraph", "products")))] == 1
    fetch = "rumah_gateway_subgraph_request_duration_seconds"
    assert s[(f"{fetch}_bucket", (("le", "30.0"), ("subgraph", "products")))] == 1
    assert s[(f"{fetch}_count", (("subgraph", "products"),))] == 2
    assert s[("rumah_gateway_supergraph_loaded", ())] == 0  # nothing loaded
