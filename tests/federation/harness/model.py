"""What a scenario is: subgraphs on fixed ports, a committed supergraph, cases, expected answers.

A scenario lives in ``tests/federation/scenarios/<name>/`` and exposes ``SCENARIO`` from its
``scenario.py``. Subgraph SDL files sit next to it; ``supergraph.graphql`` is Apollo's
composition of them and ``expected.json`` holds the reviewed answers (see
``docs/federation-conformance.md``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
HOST = "127.0.0.1"

JSON = Any
Resolver = Callable[..., Any]


ANY_PATH: tuple[str | int, ...] = ("*",)


@dataclass(frozen=True)
class ErrorSpec:
    """An error the client must see: exact ``path`` (None: none), message containing ``contains``.

    ``ANY_PATH`` (``err("*", ...)``) is for errors whose path the spec leaves to the gateway,
    e.g. a subgraph that is down: at least one error containing the fragment, any path.
    """

    path: tuple[str | int, ...] | None
    contains: str


@dataclass(frozen=True)
class Case:
    """One request through the gateway and what must hold about its answer.

    ``errors`` names the expected errors by path with a message fragment; the recorder checks
    them against the oracle's answer. ``calls`` pins the exact number of requests a subgraph
    receives (only where every correct plan agrees, e.g. 0 for request errors, 1 for a batched
    entity fetch). ``modes`` switches a subgraph into a failure mode for this case only.
    ``spec`` replaces the oracle's answer where Apollo deviates from the spec (``note`` says why).
    """

    id: str
    query: str
    variables: Mapping[str, JSON] | None = None
    operation_name: str | None = None
    errors: Sequence[ErrorSpec] = ()
    calls: Mapping[str, int] | None = None
    modes: Mapping[str, str] | None = None
    spec: Mapping[str, JSON] | None = None
    note: str = ""
    headers: Mapping[str, str] | None = None

    def body(self) -> dict[str, JSON]:
        body: dict[str, JSON] = {"query": self.query}
        if self.variables is not None:
            body["variables"] = dict(self.variables)
        if self.operation_name is not None:
            body["operationName"] = self.operation_name
        return body


@dataclass
class Subgraph:
    """A subgraph served on a fixed port.

    Either a graphql-core subgraph (``sdl_file`` + ``resolvers`` + ``references``) or an ASGI-less
    strawberry one (``strawberry_schema``). ``start=False`` leaves the port closed (subgraph down).
    """

    name: str
    port: int
    sdl_file: str | None = None
    resolvers: Mapping[str, Mapping[str, Resolver]] = field(default_factory=dict)
    references: Mapping[str, Resolver] = field(default_factory=dict)
    strawberry_schema: Callable[[], Any] | None = None
    start: bool = True

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/graphql"


@dataclass
class Scenario:
    name: str
    description: str
    subgraphs: Sequence[Subgraph]
    cases: Sequence[Case]
    directory: Path = field(default=SCENARIOS_DIR)
    # restores the in-memory data before each case (scenarios whose mutations change it)
    reset: Callable[[], None] | None = None
    # applied to Apollo's composition before it is committed: a supergraph composition would
    # never produce (e.g. a key made non-resolvable), as a hand-edited or stale file can be
    edit_supergraph: Callable[[str], str] | None = None
    # settings for the gateway process (``RUMAH_GATEWAY_*``); the conformance runner sets none
    gateway_env: Mapping[str, str] = field(default_factory=dict)
    # why Apollo Gateway cannot serve as the oracle here (then every case carries ``spec=``)
    no_oracle: str = ""

    @property
    def supergraph_path(self) -> Path:
        return self.directory / "supergraph.graphql"

    @property
    def expected_path(self) -> Path:
        return self.directory / "expected.json"

    def sdl(self, subgraph: Subgraph) -> str:
        if subgraph.strawberry_schema is not None:
            # what rover would fetch: the subgraph's own answer to { _service { sdl } }
            result = subgraph.strawberry_schema().execute_sync("{ _service { sdl } }")
            assert result.errors is None and result.data is not None, result.errors
            return str(result.data["_service"]["sdl"])
        assert subgraph.sdl_file is not None
        return (self.directory / subgraph.sdl_file).read_text()

    def expected(self) -> dict[str, JSON]:
        if not self.expected_path.exists():
            return {}
        data: dict[str, JSON] = json.loads(self.expected_path.read_text())
        return data


def scenario_names() -> list[str]:
    return sorted(p.name for p in SCENARIOS_DIR.iterdir() if (p / "scenario.py").is_file())


def load_scenario(name: str) -> Scenario:
    module = importlib.import_module(f"tests.federation.scenarios.{name}.scenario")
    scenario: Scenario = module.SCENARIO
    scenario.directory = SCENARIOS_DIR / name
    scenario.name = name
    ids = [c.id for c in scenario.cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"{name}: duplicate case ids {sorted(duplicates)}")
    return scenario


def err(path: str | Sequence[str | int] | None, contains: str) -> ErrorSpec:
    """``err("a.0.b", "boom")`` — dotted paths turn digit segments into list indices."""
    if path is None:
        return ErrorSpec(None, contains)
    if path == "*":
        return ErrorSpec(ANY_PATH, contains)
    if isinstance(path, str):
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in path.split(".")]
        return ErrorSpec(tuple(parts), contains)
    return ErrorSpec(tuple(path), contains)
