"""The image: multi-stage, pinned base, non-root, HEALTHCHECK, runtime lock only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.image_checks import dockerfile_problems, lock_problems, stages

ROOT = Path(__file__).resolve().parents[2]


def _read(name: str) -> str:
    return (ROOT / name).read_text()


def test_dockerfile_has_build_and_runtime_stages_pinned_non_root_with_healthcheck() -> None:
    assert dockerfile_problems(_read("Dockerfile")) == []
    names = [stage.name for stage in stages(_read("Dockerfile"))]
    assert names == ["build", "runtime"]


def test_runtime_stage_copies_the_contracts_it_reads_at_run_time() -> None:
    runtime = stages(_read("Dockerfile"))[-1]
    copied = " ".join(value for kind, value in runtime.instructions if kind == "COPY")
    for folder in ("schemas", "services", "gateway", "rumah"):
        assert f"{folder} ./{folder}" in copied


def test_runtime_lock_has_no_dev_tool_and_agrees_with_the_dev_lock() -> None:
    assert lock_problems(
        _read("pyproject.toml"), _read("requirements.lock"), _read("requirements-dev.lock")
    ) == []


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        ("FROM python:3.11-slim\nUSER 10001\nHEALTHCHECK CMD true\n", "found 1 stage"),
        ("FROM python:latest AS b\nFROM python:3.11.14-slim AS r\nUSER 1\nHEALTHCHECK CMD true\n"
         "COPY requirements.lock .\n", "python:latest is not pinned"),
        ("FROM python:3.11-slim AS b\nFROM python:3.11.14-slim AS r\nUSER 1\n"
         "HEALTHCHECK CMD true\nCOPY requirements.lock .\n", "python:3.11-slim is not pinned"),
        ("FROM python:3.11.14 AS b\nFROM python:3.11.14 AS r\nHEALTHCHECK CMD true\n"
         "COPY requirements.lock .\n", "sets no USER"),
        ("FROM python:3.11.14 AS b\nFROM python:3.11.14 AS r\nUSER 0:0\n"
         "HEALTHCHECK CMD true\nCOPY requirements.lock .\n", "runs as root"),
        ("FROM python:3.11.14 AS b\nFROM python:3.11.14 AS r\nUSER rumah\n"
         "HEALTHCHECK CMD true\nCOPY requirements.lock .\n", "not numeric"),
        ("FROM python:3.11.14 AS b\nFROM python:3.11.14 AS r\nUSER 10001\n"
         "COPY requirements.lock .\n", "no HEALTHCHECK"),
        ("FROM python:3.11.14 AS b\nCOPY requirements-dev.lock .\nFROM python:3.11.14 AS r\n"
         "USER 10001\nHEALTHCHECK CMD true\n", "installs the dev lock"),
    ],
)
def test_a_broken_dockerfile_is_refused(dockerfile: str, expected: str) -> None:
    problems = dockerfile_problems(dockerfile)
    assert any(expected in p for p in problems), problems


def test_a_digest_pinned_base_is_accepted() -> None:
    digest = "python@sha256:" + "a" * 64
    text = (f"FROM {digest} AS b\nFROM {digest} AS r\nUSER 10001\nHEALTHCHECK CMD true\n"
            "COPY requirements.lock .\n")
    assert dockerfile_problems(text) == []


def test_a_dev_tool_in_the_runtime_lock_is_refused() -> None:
    runtime = _read("requirements.lock") + "pytest==9.2.0\n    # via rumah\n"
    problems = lock_problems(_read("pyproject.toml"), runtime, _read("requirements-dev.lock"))
    assert "the runtime lock has the dev tool pytest==9.2.0" in problems


def test_a_runtime_pin_that_drifts_from_the_dev_lock_is_refused() -> None:
    dev = _read("requirements-dev.lock").replace("orjson==", "orjson==0.0.1\n#")
    problems = lock_problems(_read("pyproject.toml"), _read("requirements.lock"), dev)
    assert any(p.startswith("orjson: runtime lock") for p in problems), problems
