"""``rumah gateway explain``: text and JSON plans, clear errors with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.explain import run

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUPERGRAPH = FIXTURES / "shop" / "supergraph.graphql"


def _query(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.graphql"
    path.write_text(text)
    return path


def test_text_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = _query(tmp_path, "{ topProducts { name inStock } }")
    assert run(SUPERGRAPH, query, None, "text") == 0
    out = capsys.readouterr().out
    assert out.startswith('QueryPlan {\n  Sequence {\n    Fetch(service: "products") {')
    assert 'Flatten(path: "topProducts.@")' in out
    assert 'Fetch(service: "inventory")' in out


def test_json_plan_names_operations_after_the_client_operation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = _query(tmp_path, "query A { me { name } } query B { topProducts { inStock } }")
    assert run(SUPERGRAPH, query, "B", "json") == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["kind"] == "QueryPlan"
    fetches = plan["node"]["nodes"]
    assert fetches[0]["operationName"] == "B__products__0"
    assert fetches[1]["kind"] == "Flatten"


@pytest.mark.parametrize(
    ("query", "operation", "message"),
    [
        ("{ nope }", None, "Cannot query field"),
        ("{ topProducts {", None, "not valid GraphQL"),
        ("query A { me { id } } query B { me { id } }", None, "operation name"),
        ("query A { me { id } }", "Z", 'Unknown operation named "Z"'),
    ],
)
def test_bad_operations_exit_1_with_a_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    query: str,
    operation: str | None,
    message: str,
) -> None:
    assert run(SUPERGRAPH, _query(tmp_path, query), operation, "text") == 1
    assert message in capsys.readouterr().err


def test_bad_supergraph_and_missing_files_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = _query(tmp_path, "{ me { id } }")
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query { a: Int }")
    assert run(broken, query, None, "text") == 1
    assert "invalid supergraph" in capsys.readouterr().err
    assert run(tmp_path / "missing.graphql", query, None, "text") == 1
    assert "error:" in capsys.readouterr().err
    assert run(SUPERGRAPH, query, None, "yaml") == 1
    assert "unknown format" in capsys.readouterr().err


def test_flatten_paths_print_type_conditions_like_apollo() -> None:
    from gateway.explain import plan_to_text
    from gateway.plan import FetchNode, FlattenNode, QueryPlan

    fetch = FetchNode(
        "s",
        "query($representations:[_Any!]!)"
        "{_entities(representations:$representations){... on Book{title}}}",
        requires=(),
    )
    plan = QueryPlan(FlattenNode(("items", "@", "... on Book", "author"), fetch))
    assert 'Flatten(path: "items.@|[Book].author")' in plan_to_text(plan)
