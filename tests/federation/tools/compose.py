"""Regenerate ``supergraph.graphql`` of scenarios with Apollo's composition (dev only, needs node).

.venv/bin/python -m tests.federation.tools.compose [SCENARIO ...]
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.federation.harness.model import load_scenario, scenario_names
from tests.federation.harness.processes import ORACLE_DIR


def compose(name: str) -> bool:
    scenario = load_scenario(name)
    payload = [{"name": s.name, "url": s.url, "sdl": scenario.sdl(s)} for s in scenario.subgraphs]
    result = subprocess.run(
        ["node", str(ORACLE_DIR / "compose.mjs")],
        input=json.dumps(payload).encode(),
        capture_output=True,
        check=False,
    )
    hints = result.stderr.decode()
    if result.returncode != 0:
        print(f"{name}: composition failed\n{hints}", file=sys.stderr)
        return False
    supergraph = result.stdout.decode()
    if scenario.edit_supergraph is not None:
        edited = scenario.edit_supergraph(supergraph)
        if edited == supergraph:
            print(f"{name}: edit_supergraph changed nothing", file=sys.stderr)
            return False
        supergraph = edited
    scenario.supergraph_path.write_text(supergraph)
    print(f"{name}: wrote {scenario.supergraph_path.relative_to(scenario.directory.parents[3])}")
    for line in hints.splitlines():
        print(f"  {line}")
    return True


def main(argv: list[str]) -> int:
    names = argv or scenario_names()
    ok = [compose(n) for n in names]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
