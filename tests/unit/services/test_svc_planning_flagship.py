"""The six committed subgraph SDLs compose, and the flagship question — for one activity:
plan target, budget and realisasi, procurement packages and their stage, and who holds the
responsible position now — is one valid request the gateway plans across five services."""

from typing import Any

from graphql import parse, validate

from gateway.compose import SubgraphSource, compose
from gateway.plan import plan_to_json
from gateway.planner import build_planner
from gateway.supergraph import load_supergraph
from rumah.schemas import SUBGRAPH_DIR

SERVICES = ("planning", "finance", "procurement", "licensing", "personnel", "registry")
FLAGSHIP = """query Flagship($code: ID!) {
  activity(code: $code) {
    code name opd stage
    indicators { name unit target }
    budget { ceiling realisation realisationPercent disbursements { number status amount } }
    procurementPackages {
      id name stage contract { vendor value }
      commitmentOfficer { name holder { nip name } }
    }
    responsiblePosition { id name holder { nip name } }
  }
  application(id: "eplanning") { stage owner { holder { name } } planningSync { lagSeconds } }
}"""


def _supergraph_sdl() -> str:
    sources = [
        SubgraphSource(
            name,
            f"http://127.0.0.1:{4000 + i}/graphql",
            (SUBGRAPH_DIR / f"{name}.graphql").read_text(encoding="utf-8"),
        )
        for i, name in (
            (1, "planning"),
            (2, "finance"),
            (3, "procurement"),
            (4, "licensing"),
            (5, "personnel"),
            (6, "registry"),
        )
    ]
    result = compose(sources)
    assert not result.errors, [f"{e.code}: {e.message}" for e in result.errors]
    assert result.supergraph_sdl is not None
    return result.supergraph_sdl


def _fetched(node: Any) -> set[str]:
    """The subgraphs a JSON query plan fetches from."""
    if isinstance(node, list):
        return set().union(*(_fetched(n) for n in node))
    if not isinstance(node, dict):
        return set()
    own = {node["serviceName"]} if node.get("kind") == "Fetch" else set()
    return own.union(*(_fetched(v) for v in node.values()))


def test_the_six_subgraphs_compose_and_the_flagship_query_spans_five_of_them() -> None:
    supergraph = load_supergraph(_supergraph_sdl())
    activity, application = supergraph.type("Activity"), supergraph.type("Application")
    assert set(activity.per_graph) == {"planning", "finance", "procurement"}
    assert set(application.per_graph) == set(SERVICES)
    document = parse(FLAGSHIP)
    assert validate(supergraph.api_schema, document) == []
    plan = build_planner(supergraph).plan(document, "Flagship")
    fetched = _fetched(plan_to_json(plan))
    assert fetched == {"planning", "finance", "procurement", "personnel", "registry"}
