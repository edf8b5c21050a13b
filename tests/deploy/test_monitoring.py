"""k8s/monitoring: the alert rules and the Grafana dashboard query metrics the code exports.

promtool could not be built in reasonable time here (Prometheus' module pulls every service
discovery SDK), so the rule file is checked by structure and every PromQL expression is
parsed by promql-parser (the Rust parser of GreptimeDB, from PyPI); the metric names it
selects must be ones the gateway, the services or the ledger expose.
"""

from __future__ import annotations

import json
import re
from typing import Any

import promql_parser
import pytest
import yaml

from tests.deploy.conftest import ROOT

MONITORING = ROOT / "k8s" / "monitoring"
SOURCES = (
    "gateway/metrics.py",
    "services/kit/metrics.py",
    "services/kit/app.py",
    "services/ledger/app.py",
)
_FAMILY = re.compile(
    r"\b(counter|gauge|CounterMetricFamily|GaugeMetricFamily|HistogramMetricFamily)[(,]\s*"
    r"\"(rumah_[a-z_]+)\""
)
_DURATION = re.compile(r"^\d+[smhd]$")


def exported_metrics() -> set[str]:
    """Sample names as Prometheus sees them: counters end in _total, histograms in
    _bucket/_sum/_count."""
    names = set()
    for source in SOURCES:
        for kind, name in _FAMILY.findall((ROOT / source).read_text()):
            if kind in ("counter", "CounterMetricFamily"):
                names.add(f"{name}_total")
            elif kind == "HistogramMetricFamily":
                names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
            else:
                names.add(name)
    return names


def selected_metrics(expr: str) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if type(node).__name__ == "VectorSelector":
            found.add(node.name)
        for attr in ("lhs", "rhs", "expr", "param", "vector_selector"):
            child = getattr(node, attr, None)
            if child is not None:
                walk(child)
        for arg in getattr(node, "args", None) or []:
            walk(arg)

    walk(promql_parser.parse(expr))
    return found


def _rules() -> list[dict[str, Any]]:
    data = yaml.safe_load((MONITORING / "rumah-alerts.rules.yaml").read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dash = json.loads((MONITORING / "rumah-dashboard.json").read_text())
    return [t["expr"] for p in dash["panels"] for t in p["targets"]]


def test_the_code_exports_the_documented_metrics() -> None:
    names = exported_metrics()
    assert {
        "rumah_gateway_requests_total",
        "rumah_outbox_queued",
        "rumah_ledger_dead_lettered_total",
        "rumah_gateway_request_duration_seconds_bucket",
        "rumah_upstream_last_success_age_seconds",
    } <= names
    doc = (ROOT / "docs" / "metrics.md").read_text()
    for name in names:
        base = re.sub(r"_(total|bucket|sum|count)$", "", name)
        assert base in doc, f"{name} is not in docs/metrics.md"


def test_alert_rules_are_well_formed() -> None:
    rules = _rules()
    assert len({r["alert"] for r in rules}) == len(rules)
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert "for" not in rule or _DURATION.match(rule["for"]), rule["alert"]
        for text in rule["annotations"].values():
            assert text.count("{{") == text.count("}}"), rule["alert"]


@pytest.mark.parametrize("alert", [r["alert"] for r in _rules()])
def test_every_alert_parses_and_uses_exported_metrics(alert: str) -> None:
    [rule] = [r for r in _rules() if r["alert"] == alert]
    used = selected_metrics(rule["expr"])
    assert used and used <= exported_metrics(), used - exported_metrics()


def test_the_alerts_cover_what_issue_13_asks() -> None:
    used = set().union(*(selected_metrics(r["expr"]) for r in _rules()))
    for metric in (
        "rumah_upstream_last_success_age_seconds",
        "rumah_outbox_queued",
        "rumah_ledger_head_seq",
        "rumah_ledger_dead_lettered_total",
        "rumah_gateway_requests_total",
        "rumah_gateway_request_duration_seconds_bucket",
    ):
        assert metric in used


def test_every_dashboard_query_parses_and_uses_exported_metrics() -> None:
    exprs = _dashboard_exprs()
    assert len(exprs) >= 10
    for expr in exprs:
        used = selected_metrics(expr)
        assert used and used <= exported_metrics(), (expr, used - exported_metrics())


def test_dashboard_is_importable_grafana_json() -> None:
    dash = json.loads((MONITORING / "rumah-dashboard.json").read_text())
    assert dash["uid"] and dash["schemaVersion"] >= 36
    assert [v["name"] for v in dash["templating"]["list"]] == ["datasource"]
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for p in dash["panels"]:
        assert p["datasource"]["uid"] == "${datasource}"


@pytest.mark.parametrize(
    ("expr", "problem"),
    [
        ("rate(rumah_gateway_requests_total[5m]", "parse"),
        ("rumah_gateway_requests > 0", "unknown"),  # a counter without _total
        ("sum(rate(rumah_outbox_relayed[5m]))", "unknown"),
    ],
)
def test_a_wrong_expression_is_caught(expr: str, problem: str) -> None:
    if problem == "parse":
        with pytest.raises(ValueError):
            selected_metrics(expr)
    else:
        assert not selected_metrics(expr) <= exported_metrics()
