"""Regenerate ``fixtures/<name>/supergraph.graphql`` with Apollo's composition (dev only, node).

    .venv/bin/python tests/unit/gateway/planner/compose_fixtures.py [NAME ...]

Every ``*.graphql`` beside it except ``supergraph*.graphql`` is a subgraph named by its stem.
``random<SEED>`` fixtures first rewrite their subgraphs from ``random_federation.generate``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ORACLE = Path(__file__).resolve().parents[4] / "tools" / "federation-oracle" / "compose.mjs"


def compose(name: str) -> bool:
    directory = FIXTURES / name
    if name.startswith("random") and name[len("random") :].isdigit():
        from random_federation import generate

        federation = generate(int(name[len("random") :]))
        directory.mkdir(exist_ok=True)
        for sub in federation.subgraphs:
            (directory / f"{sub}.graphql").write_text(federation.sdl(sub))
    payload = [
        {"name": p.stem, "url": f"http://{p.stem}", "sdl": p.read_text()}
        for p in sorted(directory.glob("*.graphql"))
        if not p.stem.startswith("supergraph")
    ]
    result = subprocess.run(
        ["node", str(ORACLE)], input=json.dumps(payload).encode(), capture_output=True, check=False
    )
    if result.returncode != 0:
        print(f"{name}: composition failed\n{result.stderr.decode()}", file=sys.stderr)
        return False
    (directory / "supergraph.graphql").write_bytes(result.stdout)
    print(f"{name}: composed")
    return True


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    raise SystemExit(0 if all([compose(n) for n in names]) else 1)
