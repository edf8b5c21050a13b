"""The arrow rule of docs/architecture.md, held over the ``import`` statements of the code.

Every ``import`` of ``gateway/``, ``services/``, ``rumah/``, ``infra/`` and ``monev/`` counts,
wherever it stands (module top, inside a function, under ``if TYPE_CHECKING``): a rule is about
which package may know which, not about when the import runs. A rule names the packages it
governs, the packages they must not import, and the few modules allowed to anyway (the
composition roots), each with its reason. A cycle anywhere in that code fails as well.

The checker itself is tested on small trees written to a temporary folder, so a rule that
silently stopped matching would be noticed too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WINGS = ("gateway", "services", "rumah", "infra", "monev")
OPD_SERVICES = ("finance", "licensing", "personnel", "planning", "procurement", "registry")
SIMULATORS = ("services.kit.simulator", *(f"services.{s}.upstream" for s in OPD_SERVICES))

Graph = Mapping[str, frozenset[str]]


# --------------------------------------------------------------------------- the graph
def _modules(root: Path, tops: Iterable[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in tops:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(name: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """The modules of ``known`` that ``name`` imports (``from pkg import sub`` → ``pkg.sub``;
    ``from pkg import attribute`` → ``pkg``; ``import a.b.c`` → the longest known prefix)."""
    out: set[str] = set()

    def resolve(target: str) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                resolve(sub if sub in known else module)
    return out


def import_graph(root: Path, tops: Iterable[str] = WINGS) -> Graph:
    """Module name → the modules of the same tree it imports."""
    known = _modules(root, tops)
    return {name: frozenset(_imported(name, path, known)) for name, path in known.items()}


# --------------------------------------------------------------------------- the rules
def _within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@dataclass(frozen=True)
class Rule:
    """Modules under ``sources`` import nothing under ``forbidden``, except the modules in
    ``allowed`` (each with its reason); modules under ``ungoverned`` are not concerned, and
    targets under ``permitted`` are fine for everyone (the common package).

    A module may always import its own package: the most specific of ``sources`` and
    ``forbidden`` that holds it, when that is at least as specific as the forbidden package
    matched (``gateway.http.app`` may import ``gateway.http.cors``; ``rumah.common.logs`` may
    import ``rumah.common.settings`` although ``rumah`` is forbidden to it).
    """

    name: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...]
    allowed: Mapping[str, str] = field(default_factory=dict)
    ungoverned: tuple[str, ...] = ()
    permitted: tuple[str, ...] = ()

    def violations(self, graph: Graph) -> list[str]:
        found = []
        for module, targets in sorted(graph.items()):
            if not _within(module, self.sources) or _within(module, self.ungoverned):
                continue
            if module in self.allowed:
                continue
            home = _longest((*self.sources, *self.forbidden), module)
            for target in sorted(targets):
                matched = _longest(self.forbidden, target)
                if matched is None or _within(target, self.permitted):
                    continue
                if home is not None and _within(target, (home,)) and len(home) >= len(matched):
                    continue
                found.append(f"{module} imports {target} ({self.name})")
        return found


def _longest(prefixes: Iterable[str], module: str) -> str | None:
    holding = [p for p in prefixes if _within(module, (p,))]
    return max(holding, key=len) if holding else None


GATEWAY_WIRING = {
    "gateway.app": "the composition root: chooses the transports and wires them",
    "gateway.serve": "runs the composition root under uvicorn",
    "gateway.cli": "the `rumah gateway` commands start the server",
}
RULES = (
    Rule(
        "the common package imports no wing",
        sources=("rumah.common",),
        forbidden=("gateway", "services", "infra", "rumah", "monev"),
    ),
    Rule(
        "only the gateway's wiring imports a transport",
        sources=("gateway",),
        forbidden=("gateway.http", "gateway.subscriptions", "gateway.app", "gateway.serve"),
        allowed=GATEWAY_WIRING,
    ),
    Rule(
        "the request core never imports a transport, the ASGI layer or the wiring",
        sources=("gateway.request",),
        forbidden=(
            "gateway.http",
            "gateway.subscriptions",
            "gateway.web",
            "gateway.auth",
            "gateway.app",
            "gateway.serve",
            "gateway.cli",
        ),
    ),
    Rule(
        "the gateway's lower packages never import the request core",
        sources=(
            "gateway.supergraph",
            "gateway.compose",
            "gateway.planner",
            "gateway.executor",
            "gateway.operation",
            "gateway.link",
            "gateway.plan",
            "gateway.ports",
            "gateway.client",
        ),
        forbidden=("gateway.request",),
    ),
    Rule(
        "the gateway imports no other wing (only the common package)",
        sources=("gateway",),
        forbidden=("services", "infra", "rumah"),
        permitted=("rumah.common",),
    ),
    Rule(
        "no service imports another wing (only the common package)",
        sources=("services",),
        forbidden=("gateway", "infra", "rumah"),
        permitted=("rumah.common",),
    ),
    Rule(
        "the engines (infra) import no other wing (only the common package)",
        sources=("infra",),
        forbidden=("gateway", "services", "rumah"),
        permitted=("rumah.common",),
    ),
    Rule(
        "Monev is a client of the gateway: it imports no other wing (only the common package)",
        sources=("monev",),
        forbidden=("gateway", "services", "infra", "rumah"),
        permitted=("rumah.common",),
    ),
    Rule(
        "no wing imports Monev (only the process wiring that starts it)",
        sources=("gateway", "services", "infra", "rumah"),
        forbidden=("monev",),
        allowed={
            "rumah.cli": "`rumah monev serve` starts it",
            "rumah.runner": "`rumah run` starts it",
            "rumah.settings_doc": "`rumah settings` lists every component's settings",
        },
    ),
    Rule(
        "the kit imports no service",
        sources=("services.kit",),
        forbidden=(*(f"services.{s}" for s in OPD_SERVICES), "services.ledger"),
    ),
    Rule(
        "the domain's reference data imports nothing of the services",
        sources=("services.domain",),
        forbidden=("services.kit", *(f"services.{s}" for s in OPD_SERVICES), "services.ledger"),
    ),
    Rule(
        "production code never imports a simulator (only the roots that start one)",
        sources=WINGS,
        forbidden=SIMULATORS,
        ungoverned=SIMULATORS,  # a simulator is built on the simulator framework
        allowed={
            "services.kit.serve": "`rumah service simulate` starts a simulator",
            **{
                f"services.{s}.bootstrap": "the service's composition root names its simulator"
                for s in OPD_SERVICES
            },
            "services.kit.spec": "types ServiceSpec.workflow (under TYPE_CHECKING only)",
        },
    ),
    *(
        Rule(
            f"the {s} service imports no other service",
            sources=(f"services.{s}",),
            forbidden=tuple(f"services.{o}" for o in (*OPD_SERVICES, "ledger") if o != s),
        )
        for s in (*OPD_SERVICES, "ledger")
    ),
)


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in graph:
                    continue
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


# --------------------------------------------------------------------------- the tree
@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(ROOT)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_the_code_keeps_the_arrow_rule(graph: Graph, rule: Rule) -> None:
    assert rule.violations(graph) == []


def test_every_rule_governs_real_modules(graph: Graph) -> None:
    for rule in RULES:
        assert any(_within(m, rule.sources) for m in graph), rule.name
        for module in rule.allowed:
            assert module in graph, f"{rule.name}: {module} does not exist (stale exception)"


def test_the_code_has_no_import_cycle(graph: Graph) -> None:
    assert cycles(graph) == []


# --------------------------------------------------------------------------- the checker
def _tree(tmp_path: Path, files: Mapping[str, str]) -> Graph:
    for name, body in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return import_graph(tmp_path)


def _reported(rule_name: str, graph: Graph) -> list[str]:
    """What the rule called ``rule_name`` reports in ``graph`` (without the rule's name)."""
    rule = next(r for r in RULES if r.name == rule_name)
    return [v.removesuffix(f" ({rule.name})") for v in rule.violations(graph)]


CORE_IMPORTS_A_TRANSPORT = {
    "gateway/__init__.py": "",
    "gateway/http/__init__.py": "",
    "gateway/http/asgi.py": "",
    "gateway/request/__init__.py": "",
    "gateway/request/pipeline.py": "def f():\n    from gateway.http import asgi\n",
    "gateway/app.py": "import gateway.http.asgi\n",  # the wiring: allowed
}
MODELS_IMPORT_A_SIMULATOR = {
    "services/__init__.py": "",
    "services/kit/__init__.py": "",
    "services/kit/simulator/__init__.py": "",
    "services/kit/simulator/core.py": "",
    "services/kit/runtime.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .simulator.core import Workflow\n"
    ),
    "services/planning/__init__.py": "",
    "services/planning/model.py": "from ..kit.simulator import core\n",
    "services/domain/__init__.py": "",
    "services/domain/regency.py": "from services.kit import runtime\n",
}
WINGS_CROSSED = {
    "gateway/__init__.py": "",
    "gateway/compose/__init__.py": "def compose():\n    pass\n",
    "services/__init__.py": "",
    "services/kit/__init__.py": "",
    "services/kit/sdl.py": "from gateway.compose import compose\n",
    "rumah/__init__.py": "",
    "rumah/common/__init__.py": "",
    "rumah/common/logs.py": "import services.kit.sdl\n",
}


@pytest.mark.parametrize(
    ("files", "rule_name", "expected"),
    [
        (
            CORE_IMPORTS_A_TRANSPORT,
            "the request core never imports a transport, the ASGI layer or the wiring",
            ["gateway.request.pipeline imports gateway.http.asgi"],
        ),
        (
            CORE_IMPORTS_A_TRANSPORT,
            "only the gateway's wiring imports a transport",
            ["gateway.request.pipeline imports gateway.http.asgi"],
        ),
        (
            MODELS_IMPORT_A_SIMULATOR,  # also under TYPE_CHECKING, also relative
            "production code never imports a simulator (only the roots that start one)",
            [
                "services.kit.runtime imports services.kit.simulator.core",
                "services.planning.model imports services.kit.simulator.core",
            ],
        ),
        (
            MODELS_IMPORT_A_SIMULATOR,
            "the domain's reference data imports nothing of the services",
            ["services.domain.regency imports services.kit.runtime"],
        ),
        (
            WINGS_CROSSED,
            "no service imports another wing (only the common package)",
            ["services.kit.sdl imports gateway.compose"],
        ),
        (
            WINGS_CROSSED,
            "the common package imports no wing",
            ["rumah.common.logs imports services.kit.sdl"],
        ),
    ],
    ids=[
        "core-imports-a-transport",
        "a-transport-outside-the-wiring",
        "a-model-imports-a-simulator",
        "the-domain-imports-the-kit",
        "a-service-imports-the-gateway",
        "common-imports-a-wing",
    ],
)
def test_the_checker_reports_each_broken_rule(
    tmp_path: Path, files: Mapping[str, str], rule_name: str, expected: list[str]
) -> None:
    assert _reported(rule_name, _tree(tmp_path, files)) == expected


def test_import_cycles_are_found_also_through_a_package(tmp_path: Path) -> None:
    graph = _tree(
        tmp_path,
        {
            "services/__init__.py": "",
            "services/kit/__init__.py": "",
            "services/kit/spec.py": "from services.kit.runtime import ServiceRuntime\n",
            "services/kit/runtime.py": "from services.kit.spec import ServiceSpec\n",
            "services/kit/store/__init__.py": "from services.kit.store.mongo import MongoStore\n",
            "services/kit/store/mongo.py": "from services.kit.store import rules\n",
            "services/kit/store/rules.py": "",
            "services/kit/ok.py": "from services.kit import spec\n",
        },
    )
    assert cycles(graph) == [
        ["services.kit.runtime", "services.kit.spec"],
    ]
    # ``from services.kit.store import rules`` names the module rules, not the package:
    # importing a sibling through its package is not a cycle.
    assert graph["services.kit.store.mongo"] == frozenset({"services.kit.store.rules"})
