"""Compare a gateway's answer with the expected one.

``data`` must be deep-equal, with keys in the same order (the spec orders response keys as
the selection set does). Errors are compared by presence and ``path`` exactly and by message
loosely: each expected error's message (or the case's fragment for that path) must be
contained, case-insensitively, in an actual error with the same path; a case's ``err("*", …)``
accepts an error at any path instead (transport failures). For request errors
(no ``data`` expected) ``locations`` must match too and ``data`` must be absent or null.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tests.federation.harness.model import ANY_PATH, Case

Path = tuple[str | int, ...] | None


def _path(error: Any) -> Path:
    path = error.get("path") if isinstance(error, dict) else None
    return None if path is None else tuple(path)


def _fmt(path: Path) -> str:
    return "<no path>" if path is None else ".".join(str(p) for p in path)


def _order_problems(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems = []
        if list(expected) != list(actual):
            problems.append(f"key order at {where or '<root>'}: {list(actual)} != {list(expected)}")
        for key in expected:
            problems += _order_problems(expected[key], actual[key], f"{where}.{key}".lstrip("."))
        return problems
    if isinstance(expected, list) and isinstance(actual, list):
        return [
            p
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for p in _order_problems(e, a, f"{where}.{i}")
        ]
    return []


def compare(case: Case, expected: dict[str, Any], actual: Any) -> list[str]:
    """Return human-readable problems; empty means the answer conforms."""
    if not isinstance(actual, dict):
        return [f"response is not a JSON object: {actual!r:.500}"]
    problems: list[str] = []
    request_error = "data" not in expected
    if request_error:
        if actual.get("data") is not None:
            problems.append(f"data must be absent for a request error, got {actual['data']!r:.300}")
    elif "data" not in actual:
        problems.append("data missing")
    elif actual["data"] != expected["data"]:
        problems.append(
            "data differs:\n  expected "
            + json.dumps(expected["data"], sort_keys=True)
            + "\n  actual   "
            + json.dumps(actual["data"], sort_keys=True)
        )
    else:
        problems += _order_problems(expected["data"], actual["data"], "")

    expected_errors: Sequence[Any] = expected.get("errors") or []
    actual_errors = actual.get("errors") or []
    if not isinstance(actual_errors, list):
        return [*problems, f"errors is not a list: {actual_errors!r:.300}"]
    wild = [spec.contains for spec in case.errors if spec.path == ANY_PATH]
    fragments = {spec.path: spec.contains for spec in case.errors if spec.path != ANY_PATH}
    # with wildcard specs, the oracle's path-less errors are matched by the wildcards instead
    fixed = [e for e in expected_errors if not (wild and _path(e) is None)]
    want_paths = {_path(e) for e in fixed}
    got_paths = {_path(e) for e in actual_errors}
    rest = [a for a in actual_errors if _path(a) not in want_paths]
    missing = want_paths - got_paths
    if missing or (rest and not wild) or (wild and not rest):
        problems.append(
            "error paths differ: expected "
            + str(sorted(_fmt(p) for p in want_paths))
            + (f" plus an error (any path) containing {wild}" if wild else "")
            + " actual "
            + str(sorted(_fmt(p) for p in got_paths))
            + f"; actual errors: {json.dumps(actual_errors)[:800]}"
        )
    for fragment in wild:
        if rest and not any(fragment.lower() in str(a.get("message", "")).lower() for a in rest):
            problems.append(
                f"no error contains {fragment!r}: " + json.dumps([a.get("message") for a in rest])
            )
    for error in fixed:
        path = _path(error)
        fragment = fragments.get(path, error.get("message", ""))
        same_path = [a for a in actual_errors if _path(a) == path]
        if same_path and not any(
            fragment.lower() in str(a.get("message", "")).lower() for a in same_path
        ):
            problems.append(
                f"no error at {_fmt(path)} contains {fragment!r}: "
                + json.dumps([a.get("message") for a in same_path])
            )
        if request_error and "locations" in error and same_path:
            if not any(a.get("locations") == error["locations"] for a in same_path):
                problems.append(
                    f"error at {_fmt(path)} locations: expected {error['locations']} actual "
                    + json.dumps([a.get("locations") for a in same_path])
                )
    return problems


def compare_calls(case: Case, calls: dict[str, int]) -> list[str]:
    if case.calls is None:
        return []
    return [
        f"subgraph {name}: expected {want} request(s), got {calls.get(name, 0)}"
        for name, want in case.calls.items()
        if calls.get(name, 0) != want
    ]
