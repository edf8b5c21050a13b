"""Which code runs the access gate's per-request path: mypyc-compiled or the source.

``make install`` compiles ``gateway/auth/gate.py``, ``rate_limit.py`` and
``subgraph_credentials.py`` with mypyc (``tools/native/auth.py``) into
``gateway/auth/_native/``, beside a manifest holding the SHA-256 of each source it was built
from. The compiled modules are *not* next to the sources, so Python never finds them by
itself: ``install`` (run by ``gateway/auth/__init__.py`` before any of the three is imported)
puts a finder first on ``sys.meta_path`` that loads them under their own names — one set of
classes per process, whichever runs — and only when every source hashes to what the manifest
says. A source edited since the build, a missing file, another Python: the sources run, with
one log line saying why. So the decision that runs is always the code in the tree, compiled or
not (docs/access.md, "An eighth look").

``RUMAH_GATEWAY_NATIVE`` (shared with the executor kernel): ``auto`` (default), ``off`` (the
sources always), ``require`` (refuse to start without the current compiled modules).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from gateway.executor.native import NativeKernelMissing

HERE = Path(__file__).resolve().parent
NATIVE_DIR = HERE / "_native"
MANIFEST = NATIVE_DIR / "manifest.json"
# the modules compiled together (their sources in this package)
MODULES = ("gateway.auth.rate_limit", "gateway.auth.gate", "gateway.auth.subgraph_credentials")
GROUP = "gateway_auth_native__mypyc"  # mypyc's shared library of the group

log = logging.getLogger("gateway.auth")


class NativeAuthMissing(NativeKernelMissing):
    """``RUMAH_GATEWAY_NATIVE=require`` and the compiled access gate cannot be used."""


def source_path(module: str) -> Path:
    return HERE / f"{module.rsplit('.', 1)[1]}.py"


def source_digests() -> dict[str, str]:
    return {m: hashlib.sha256(source_path(m).read_bytes()).hexdigest() for m in MODULES}


def _abi() -> str:
    return f"{sys.implementation.cache_tag}-{sys.platform}"


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and their shared library) by exact name, nothing else."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        self.files = dict(files)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        found = self.files.get(fullname)
        if found is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(found))
        return importlib.machinery.ModuleSpec(fullname, loader, origin=str(found))


def why_not_current(manifest_path: Path = MANIFEST) -> tuple[str | None, dict[str, Path]]:
    """(None, the files to load) when the compiled modules match today's sources, else (why
    not, {})."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "not built", {}
    except (OSError, ValueError) as exc:
        return f"unreadable manifest ({exc})", {}
    if not isinstance(manifest, dict) or manifest.get("abi") != _abi():
        return "built for another Python", {}
    sources, files = manifest.get("sources"), manifest.get("files")
    if not isinstance(sources, dict) or not isinstance(files, dict):
        return "unreadable manifest", {}
    if sources != source_digests():
        return "stale (built from other sources)", {}
    paths: dict[str, Path] = {}
    for name in (*MODULES, GROUP):
        file = files.get(name)
        if not isinstance(file, str) or "/" in file or not (manifest_path.parent / file).is_file():
            return f"incomplete ({name} missing)", {}
        paths[name] = manifest_path.parent / file
    return None, paths


def install(mode: str | None = None) -> bool:
    """Put the compiled modules' finder in place when they are current (True), else leave the
    sources to run (False). Call before any of ``MODULES`` is imported."""
    global _reason
    mode = os.environ.get("RUMAH_GATEWAY_NATIVE", "auto") if mode is None else mode
    if mode not in ("auto", "off", "require"):
        raise ValueError(f"RUMAH_GATEWAY_NATIVE must be auto, off or require, not {mode!r}")
    if mode == "off":
        _reason = "off (RUMAH_GATEWAY_NATIVE=off)"
        return False
    if any(m in sys.modules for m in MODULES):
        reason: str | None = "imported before the finder"
        files: dict[str, Path] = {}
    else:
        reason, files = why_not_current()
    _reason = reason
    if reason is not None:
        return False
    sys.meta_path.insert(0, _Finder(files))
    return True


_reason: str | None = "not looked for"


def compiled() -> bool:
    """Whether the access gate that runs is the compiled one."""
    module = sys.modules.get("gateway.auth.gate")
    return module is not None and not str(getattr(module, "__file__", "")).endswith(".py")


def check(mode: str) -> None:
    """Say at start which access gate runs (one log line); ``require`` without the compiled
    one raises ``NativeAuthMissing`` (the gateway refuses to start)."""
    if compiled():
        log.info("gateway.native_auth", extra={"auth": "compiled"})
        return
    reason = _reason or "not loaded"
    if mode == "require":
        raise NativeAuthMissing(
            f"the compiled access gate is {reason}: run `make install` (needs a C compiler "
            "and the Python headers) or set RUMAH_GATEWAY_NATIVE=auto"
        )
    log.info("gateway.native_auth", extra={"auth": "source", "reason": reason})
