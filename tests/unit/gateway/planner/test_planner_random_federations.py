"""Random federations (``random_federation.py``, composed by Apollo and committed) answered
by the gateway exactly like a monolith, for seeded random queries and both label states."""

from __future__ import annotations

import pytest
from planner_harness import FIXTURES, Scenario
from random_federation import generate
from test_planner_fuzz import QueryGenerator

SEEDS = sorted(int(p.name[len("random") :]) for p in FIXTURES.glob("random*"))
QUERIES = 20


@pytest.mark.parametrize("labels", [frozenset(), frozenset({"beta"})], ids=["off", "beta"])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_federation_answers_like_the_monolith(seed: int, labels: frozenset[str]) -> None:
    federation = generate(seed)
    scenario = Scenario(f"random{seed}", federation.world(), always_labels=labels)
    generator = QueryGenerator(scenario.state.supergraph.api_schema, {}, seed)
    for _ in range(QUERIES):
        query = generator.query()
        variables = {"flag": generator.rng.random() < 0.5} if generator.uses_flag else None
        scenario.check(query, variables)


def test_the_committed_fixtures_match_the_generator() -> None:
    assert SEEDS, "no random federation fixtures"
    for seed in SEEDS:
        federation = generate(seed)
        for sub in federation.subgraphs:
            committed = (FIXTURES / f"random{seed}" / f"{sub}.graphql").read_text()
            assert committed == federation.sdl(sub), f"random{seed}/{sub}: regenerate"
