"""Record expected answers by running every case through Apollo Gateway (dev only, needs node).

    .venv/bin/python -m tests.federation.tools.record [SCENARIO ...]

Writes ``expected.json`` per scenario: Apollo's answer (errors keep ``message``, ``path`` and,
for request errors, ``locations``). A case with ``spec=`` keeps that hand-written answer
instead and the oracle's answer is stored beside it for reference. The recorder checks each
case's declared errors and call counts against the oracle and reports disagreements, which
must be reviewed before committing.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.federation.harness.model import ANY_PATH, Case, Scenario, load_scenario, scenario_names
from tests.federation.harness.processes import running
from tests.federation.harness.run import run_case

ORACLE = "apollo-gateway 2.14.4"


def _strip(response: Any) -> Any:
    if not isinstance(response, dict):
        return response
    out: dict[str, Any] = {}
    if "data" in response:
        out["data"] = response["data"]
    if response.get("errors"):
        errors = []
        for error in response["errors"]:
            kept = {"message": error.get("message")}
            if "path" in error:
                kept["path"] = error["path"]
            if "data" not in response and "locations" in error:
                kept["locations"] = error["locations"]
            errors.append(kept)
        out["errors"] = errors
    return out


def _path(error: Any) -> Any:
    return None if error.get("path") is None else tuple(error["path"])


def _check(case: Case, response: Any, calls: dict[str, int]) -> list[str]:
    notes = []
    errors = response.get("errors") or [] if isinstance(response, dict) else []
    for spec in case.errors:
        if spec.path == ANY_PATH:
            if not any(spec.contains.lower() in e.get("message", "").lower() for e in errors):
                notes.append(f"no oracle error contains {spec.contains!r}")
            continue
        matching = [e for e in errors if _path(e) == spec.path]
        if not matching:
            notes.append(f"declared error at {spec.path} not in oracle answer")
        elif not any(spec.contains.lower() in e.get("message", "").lower() for e in matching):
            messages = [e["message"] for e in matching]
            notes.append(f"declared fragment {spec.contains!r} not in {messages}")
    if case.errors:
        declared = {spec.path for spec in case.errors}
        if ANY_PATH in declared:
            declared.add(None)
        extra = [e for e in errors if _path(e) not in declared]
        if extra:
            notes.append(f"oracle errors not declared: {extra}")
    elif errors:
        notes.append(f"oracle returned errors but the case declares none: {errors}")
    for name, want in (case.calls or {}).items():
        if calls.get(name, 0) != want:
            notes.append(f"declared {want} call(s) to {name}, oracle made {calls.get(name, 0)}")
    return notes


def _record_spec_only(scenario: Scenario) -> int:
    entries: dict[str, Any] = {}
    for case in scenario.cases:
        if case.spec is None:
            print(f"  ! {scenario.name}/{case.id}: no oracle ({scenario.no_oracle}) and no spec")
            return 1
        entries[case.id] = {
            "response": dict(case.spec),
            "source": "spec",
            "note": case.note or f"no oracle: {scenario.no_oracle}",
        }
    scenario.expected_path.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
    print(f"{scenario.name}: wrote {len(entries)} hand-written answer(s) (no oracle)")
    return 0


def record(scenario: Scenario) -> int:
    if scenario.no_oracle:
        return _record_spec_only(scenario)
    entries: dict[str, Any] = {}
    problems = 0
    with running(scenario, gateway="apollo") as url:
        for case in scenario.cases:
            outcome = run_case(scenario, url, case)
            oracle = _strip(outcome.response)
            entry: dict[str, Any]
            if case.spec is not None:
                entry = {
                    "response": dict(case.spec),
                    "source": "spec",
                    "note": case.note,
                    "oracle": oracle,
                }
                checked = case.spec
            else:
                entry = {"response": oracle, "source": ORACLE}
                if case.note:
                    entry["note"] = case.note
                checked = oracle
            entry["oracle_calls"] = outcome.calls
            entries[case.id] = entry
            for note in _check(case, checked, outcome.calls):
                problems += 1
                print(f"  ! {scenario.name}/{case.id}: {note}")
    scenario.expected_path.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
    print(f"{scenario.name}: recorded {len(entries)} case(s), {problems} note(s)")
    return problems


def main(argv: list[str]) -> int:
    total = sum(record(load_scenario(n)) for n in (argv or scenario_names()))
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
