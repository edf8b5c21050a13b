"""Print each case with its expected answer compactly, for reviewing ``expected.json``.

.venv/bin/python -m tests.federation.tools.show SCENARIO
"""

from __future__ import annotations

import json
import sys

from tests.federation.harness.model import load_scenario


def main(argv: list[str]) -> int:
    for name in argv:
        scenario = load_scenario(name)
        expected = scenario.expected()
        for case in scenario.cases:
            entry = expected.get(case.id, {})
            print(f"## {name}/{case.id}  [{entry.get('source', 'MISSING')}]")
            print("   " + " ".join(case.query.split()))
            if case.variables is not None:
                print("   variables " + json.dumps(case.variables))
            if case.modes:
                print("   modes " + json.dumps(case.modes))
            print(" → " + json.dumps(entry.get("response")))
            if entry.get("source") == "spec":
                print(" ≠ oracle " + json.dumps(entry.get("oracle")))
            print("   calls " + json.dumps(entry.get("oracle_calls")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
