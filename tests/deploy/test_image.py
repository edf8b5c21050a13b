"""The image: multi-stage, pinned base, non-root, HEALTHCHECK, runtime lock only."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from rumah.common import webassets
from services.catalog import ALL_ENTRIES
from tests.deploy.image_checks import (
    dockerfile_problems,
    lock_problems,
    runtime_copies,
    stages,
    webasset_problems,
)

ROOT = Path(__file__).resolve().parents[2]


def _read(name: str) -> str:
    return (ROOT / name).read_text()


def test_dockerfile_has_build_and_runtime_stages_pinned_non_root_with_healthcheck() -> None:
    assert dockerfile_problems(_read("Dockerfile")) == []
    found = stages(_read("Dockerfile"))
    assert [stage.name for stage in found] == ["node", "build", "web", "runtime"]
    assert found[0].image.startswith("node:")  # pinned exactly, like every base (above)


def test_runtime_stage_copies_every_package_and_the_contracts() -> None:
    """The old image lacked monev/, and rumah.cli imports monev.cli: no process started."""
    include = tomllib.loads(_read("pyproject.toml"))["tool"]["setuptools"]["packages"]["find"]
    packages = {pattern.rstrip("*") for pattern in include["include"]}
    assert packages <= set(runtime_copies(_read("Dockerfile")))
    assert "schemas" in runtime_copies(_read("Dockerfile"))  # read at run time


def _image_tree(tmp_path: Path) -> Path:
    """/app as the runtime stage lays it out: what it copies from the build context."""
    app = tmp_path / "app"
    app.mkdir()
    for item in runtime_copies(_read("Dockerfile")):
        (app / item).symlink_to(ROOT / item)
    return app


def test_every_process_imports_from_what_the_image_copies(tmp_path: Path) -> None:
    """Each process's modules import with /app (the copied folders) and the virtualenv's
    site-packages only — not through the checkout the tests run from."""
    app = _image_tree(tmp_path)
    site = sysconfig.get_paths()["purelib"]
    modules = [
        "rumah.cli",
        "rumah.secret_env",
        "gateway.serve",
        "gateway.app",
        "monev.app",
        "services.kit.serve",
        "services.ledger.bootstrap",
        "services.ledger.app",
        *(entry.module for entry in ALL_ENTRIES),
    ]
    code = (
        "import importlib, sys\n"
        + "".join(f"importlib.import_module({m!r})\n" for m in modules)
        + (
            "ours = [m.__file__ for n, m in sys.modules.items() if n.split('.')[0] in "
            "('rumah', 'gateway', 'monev', 'services', 'infra') and getattr(m, '__file__', None)]\n"
            "print(len(ours), sorted({f.split('/app/')[0] + '/app' for f in ours}))\n"
        )
    )
    # -S: no site (so no editable install's path to the checkout); the image's PYTHONPATH=/app
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=app,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{app}:{site}", "PATH": "/usr/bin"},
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    count, where = proc.stdout.split(" ", 1)
    assert int(count) > 100 and where.strip() == repr([str(app)])
    assert (app / "schemas" / "supergraph.graphql").is_file()  # the gateway's --supergraph


def test_a_runtime_without_a_package_cannot_start_its_processes(tmp_path: Path) -> None:
    app = _image_tree(tmp_path)
    (app / "monev").unlink()
    site = sysconfig.get_paths()["purelib"]
    proc = subprocess.run(
        [sys.executable, "-S", "-c", "import rumah.cli"],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PYTHONPATH": f"{app}:{site}", "PATH": "/usr/bin"},
    )
    assert "No module named 'monev'" in proc.stderr


def test_browser_assets_reach_the_runtime_where_it_looks() -> None:
    assert webasset_problems(_read("Dockerfile")) == []


def test_the_exported_assets_serve_from_a_tree_nothing_writes_to(tmp_path: Path) -> None:
    """What the web stage exports is all the runtime needs: with RUMAH_CACHE_DIR pointing at
    it, `check` passes and GraphiQL's script is served — and nothing in it changes (the
    image mounts it read-only; root in this test would not be stopped by file modes)."""
    assert webassets.missing() == [], "run `make install` (npm ci of rumah/common/webassets)"
    cache = tmp_path / "opt" / "rumah-cache"
    exported = webassets.export(cache)
    served = {p.relative_to(cache) for p in cache.rglob("*") if p.is_file()}
    assert served == {
        Path("web", webassets.digest(), "node_modules", rel) for rel in webassets.FILES.values()
    }
    before = {p: p.stat().st_mtime_ns for p in cache.rglob("*")}
    code = (
        "import asyncio, sys\n"
        "from rumah.common.webassets import missing\n"
        "from rumah.common.webassets.asgi import AssetApp, asset_url\n"
        "assert missing() == [], missing()\n"
        "sent = []\n"
        "async def receive(): return {'type': 'http.request', 'body': b''}\n"
        "async def send(m): sent.append(m)\n"
        "url = asset_url('/assets', 'graphiql.min.js')\n"
        "asyncio.run(AssetApp('/assets')({'type': 'http', 'method': 'GET', 'path': url},"
        " receive, send))\n"
        "print(sent[0]['status'], len(sent[1]['body']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "RUMAH_CACHE_DIR": str(cache)},
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    size = (exported / "node_modules" / webassets.FILES["graphiql.min.js"]).stat().st_size
    assert proc.stdout.split() == ["200", str(size)]
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*")} == before


def test_export_refuses_while_assets_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUMAH_CACHE_DIR", str(tmp_path / "empty"))
    with pytest.raises(webassets.AssetsMissing, match="graphiql"):
        webassets.export(tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("python -m rumah.common.webassets install \\\n && ", ""), "no stage runs"),
        (("export /opt/rumah-cache", "export /opt/elsewhere"), "does not `check` the exported"),
        (
            ("RUMAH_CACHE_DIR=/opt/rumah-cache \\\n", "RUMAH_CACHE_DIR=/opt/cache \\\n"),
            "but RUMAH_CACHE_DIR is /opt/cache",
        ),
        (("COPY --from=web /opt/rumah-cache /opt/rumah-cache\n", ""), "does not copy"),
        (("COPY --from=node ", "COPY --from=build "), "has no node/npm"),
    ],
)
def test_a_dockerfile_that_loses_the_assets_is_refused(
    change: tuple[str, str], expected: str
) -> None:
    text = _read("Dockerfile")
    assert change[0] in text
    problems = webasset_problems(text.replace(change[0], change[1]))
    assert any(expected in p for p in problems), problems


def test_runtime_lock_has_no_dev_tool_and_agrees_with_the_dev_lock() -> None:
    assert (
        lock_problems(
            _read("pyproject.toml"), _read("requirements.lock"), _read("requirements-dev.lock")
        )
        == []
    )


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        ("FROM python:3.11-slim\nUSER 10001\nHEALTHCHECK CMD true\n", "found 1 stage"),
        (
            "FROM python:latest AS b\nFROM python:3.11.14-slim AS r\nUSER 1\nHEALTHCHECK CMD true\n"
            "COPY requirements.lock .\n",
            "python:latest is not pinned",
        ),
        (
            "FROM python:3.11-slim AS b\nFROM python:3.11.14-slim AS r\nUSER 1\n"
            "HEALTHCHECK CMD true\nCOPY requirements.lock .\n",
            "python:3.11-slim is not pinned",
        ),
        (
            "FROM python:3.11.14 AS b\nFROM python:3.11.14 AS r\nHEALTHCHECK CMD true\n"
            "COPY requirements.lock .\n",
            "sets no USER",
        ),
        (
            "FROM python:3.11.14 AS b\nFROM python:3.11.14 AS r\nUSER 0:0\n"
            "HEALTHCHECK CMD true\nCOPY requirements.lock .\n",
            "runs as root",
        ),
        (
            "FROM python:3.11.14 AS b\nFROM python:3.11.14 AS r\nUSER rumah\n"
            "HEALTHCHECK CMD true\nCOPY requirements.lock .\n",
            "not numeric",
        ),
        (
            "FROM python:3.11.14 AS b\nFROM python:3.11.14 AS r\nUSER 10001\n"
            "COPY requirements.lock .\n",
            "no HEALTHCHECK",
        ),
        (
            "FROM python:3.11.14 AS b\nCOPY requirements-dev.lock .\nFROM python:3.11.14 AS r\n"
            "USER 10001\nHEALTHCHECK CMD true\n",
            "installs the dev lock",
        ),
    ],
)
def test_a_broken_dockerfile_is_refused(dockerfile: str, expected: str) -> None:
    problems = dockerfile_problems(dockerfile)
    assert any(expected in p for p in problems), problems


def test_a_digest_pinned_base_is_accepted() -> None:
    digest = "python@sha256:" + "a" * 64
    text = (
        f"FROM {digest} AS b\nFROM {digest} AS r\nUSER 10001\nHEALTHCHECK CMD true\n"
        "COPY requirements.lock .\n"
    )
    assert dockerfile_problems(text) == []


def test_a_dev_tool_in_the_runtime_lock_is_refused() -> None:
    runtime = _read("requirements.lock") + "pytest==9.2.0\n    # via rumah\n"
    problems = lock_problems(_read("pyproject.toml"), runtime, _read("requirements-dev.lock"))
    assert "the runtime lock has the dev tool pytest==9.2.0" in problems


def test_a_runtime_pin_that_drifts_from_the_dev_lock_is_refused() -> None:
    dev = _read("requirements-dev.lock").replace("orjson==", "orjson==0.0.1\n#")
    problems = lock_problems(_read("pyproject.toml"), _read("requirements.lock"), dev)
    assert any(p.startswith("orjson: runtime lock") for p in problems), problems
