"""Compile the access gate's per-request path with mypyc into ``gateway/auth/_native/``.

``gateway/auth/gate.py``, ``rate_limit.py`` and ``subgraph_credentials.py`` are compiled
together, from a copy of the ``gateway`` and ``rumah`` packages in a scratch directory (so
nothing in the tree is built or touched but ``gateway/auth/_native/``), by the mypyc of the
mypy ``requirements-dev.lock`` pins, through the pinned setuptools. The result lands in
``gateway/auth/_native/`` with a manifest: the SHA-256 of every source compiled and of every
module whose types were compiled in (``native.DEPENDENCIES``), the interpreter's ABI, and the
SHA-256 of each built file. ``gateway/auth/native.py`` loads the compiled modules only while
all of that still holds (never by Python's own search: they are not beside the sources).
Why compiled: docs/access.md, "An eighth look".

Never in the way of ``make install``: on any failure it prints one line — the gateway runs
the sources — keeps the full output in ``build/native-auth.log`` and exits 1 (the Makefile
goes on). A failed build leaves nothing half written: the folder is replaced whole.

    .venv/bin/python tools/native/auth.py [--if-needed]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import ROOT, BuildFailed, _log, check_toolchain, run_mypyc  # noqa: E402

sys.path.insert(0, str(ROOT))
from gateway.auth import native  # noqa: E402

LOG = Path(os.environ.get("RUMAH_NATIVE_AUTH_LOG", ROOT / "build" / "native-auth.log"))
GROUP_NAME = native.GROUP.removesuffix("__mypyc")
SETUP = """
from setuptools import setup
from mypyc.build import mypycify

setup(
    name={group!r},
    ext_modules=mypycify({paths!r}, group_name={group!r}, opt_level="3"),
)
"""


def build() -> Path:
    paths = [str(native.source_path(m).relative_to(ROOT)) for m in native.MODULES]
    with tempfile.TemporaryDirectory(prefix="rumah-auth-native-") as tmp:
        work = Path(tmp)
        for package in ("gateway", "rumah"):
            shutil.copytree(
                ROOT / package,
                work / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.so", "_native"),
            )
        shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")  # mypy's settings
        digests = native.source_digests(work)  # what is compiled: the copy
        (work / "setup.py").write_text(SETUP.format(group=GROUP_NAME, paths=paths))
        run_mypyc(["setup.py", "build_ext", "--inplace"], work, LOG)
        if native.source_digests(work) != digests or native.source_digests() != digests:
            raise BuildFailed("the sources changed while they were compiled")
        files: dict[str, Path] = {}
        for module in native.MODULES:
            stem = module.rsplit(".", 1)[1]
            found = sorted((work / "gateway" / "auth").glob(f"{stem}.*.so"))
            if len(found) != 1:
                raise BuildFailed(f"mypyc wrote no single module for {module}")
            files[module] = found[0]
        group = sorted(work.glob(f"{native.GROUP}.*.so"))
        if len(group) != 1:
            raise BuildFailed(f"mypyc wrote no {native.GROUP} library")
        files[native.GROUP] = group[0]
        staged = work / "_native"
        staged.mkdir()
        for path in files.values():
            shutil.copy2(path, staged / path.name)
        manifest = {
            "abi": native._abi(),
            "sources": digests,
            "files": {
                name: {"file": path.name, "sha256": native._digest(path)}
                for name, path in files.items()
            },
        }
        (staged / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        # replaced whole: a reader sees the old folder or the new one, never half of one
        target = native.NATIVE_DIR
        old = target.with_name("_native.old")
        shutil.rmtree(old, ignore_errors=True)
        fresh = target.with_name("_native.new")
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(staged, fresh)
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return target


def main() -> None:
    if "--if-needed" in sys.argv and native.why_not_current()[0] is None:
        return
    started = time.monotonic()
    LOG.unlink(missing_ok=True)
    try:
        version = check_toolchain()
        target = build()
    except (BuildFailed, OSError) as exc:
        if not LOG.exists():
            _log(f"{exc}\n", LOG)
        print(
            f"access gate not compiled ({exc}); the gateway runs its sources (details: {LOG})",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    elapsed = time.monotonic() - started
    print(
        f"access gate compiled with mypyc {version} in {elapsed:.0f} s: {target.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
