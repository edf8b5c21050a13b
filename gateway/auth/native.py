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
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from gateway.executor.native import NativeKernelMissing

# (not resolved: a tree laid out with symlinks loads its own build, not the link target's)
HERE = Path(os.path.abspath(__file__)).parent
ROOT = HERE.parents[1]
NATIVE_DIR = HERE / "_native"
MANIFEST = NATIVE_DIR / "manifest.json"
# the modules compiled together (their sources in this package)
MODULES = ("gateway.auth.rate_limit", "gateway.auth.gate", "gateway.auth.subgraph_credentials")
# what mypyc read besides them: the types of everything they import from this tree are
# compiled into the build (a changed ``Principal`` field would be checked against the old
# one), so these sources must be today's as well (a test keeps the list complete)
DEPENDENCIES = (
    "gateway.auth.authenticator",
    "gateway.auth.credentials",
    "gateway.auth.jwt",
    "gateway.auth.principal",
    "gateway.client.h1",
    "gateway.ports",
    "rumah.common.keys",
)
GROUP = "gateway_auth_native__mypyc"  # mypyc's shared library of the group
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")  # a file name in the build's folder, no path

log = logging.getLogger("gateway.auth")


class NativeAuthMissing(NativeKernelMissing):
    """``RUMAH_GATEWAY_NATIVE=require`` and the compiled access gate cannot be used."""


def source_path(module: str, root: Path = ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def source_digests(root: Path = ROOT) -> dict[str, str]:
    """The SHA-256 of every source the build depends on (under ``root``)."""
    return {
        m: hashlib.sha256(source_path(m, root).read_bytes()).hexdigest()
        for m in (*MODULES, *DEPENDENCIES)
    }


def _abi() -> str:
    """This interpreter's extension ABI: implementation, version, architecture and libc (a
    build from another machine's Python is never loaded)."""
    return f"{sys.implementation.cache_tag}{importlib.machinery.EXTENSION_SUFFIXES[0]}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
        entry = files.get(name)
        if not isinstance(entry, dict):
            return f"incomplete ({name} missing)", {}
        file, digest = entry.get("file"), entry.get("sha256")
        if not isinstance(file, str) or not _PLAIN.fullmatch(file):
            return f"incomplete ({name} missing)", {}
        path = manifest_path.parent / file
        if not path.is_file():
            return f"incomplete ({name} missing)", {}
        # (the built file itself: a truncated or swapped library is never mapped)
        if _digest(path) != digest:
            return f"damaged ({name} is not the file that was built)", {}
        paths[name] = path
    return None, paths


def install(mode: str | None = None) -> bool:
    """Put the compiled modules' finder in place when they are current (True), else leave the
    sources to run (False). Call before any of ``MODULES`` is imported."""
    global _reason
    mode = configured_mode() if mode is None else mode
    if mode not in ("auto", "off", "require"):
        # (the sources; the gateway's settings refuse the value with their own clear error)
        _reason = f"RUMAH_GATEWAY_NATIVE={mode!r} is not auto, off or require"
        return False
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
    finder = _Finder(files)
    sys.meta_path.insert(0, finder)
    try:
        for module in MODULES:
            importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - any load failure: the sources run instead
        sys.meta_path.remove(finder)
        for name in (*MODULES, GROUP):
            sys.modules.pop(name, None)
        _reason = f"unloadable ({type(exc).__name__}: {exc})"[:200]
        return False
    return True


def configured_mode() -> str:
    """``RUMAH_GATEWAY_NATIVE`` as the gateway's settings read it — the environment (any
    case), else the ``.env`` file — read here because the gate is loaded at import, before
    any settings object exists."""
    for name, value in os.environ.items():
        if name.upper() == "RUMAH_GATEWAY_NATIVE":
            return value.strip().lower()
    try:
        from dotenv import dotenv_values

        for key, found in dotenv_values(".env").items():
            if key.upper() == "RUMAH_GATEWAY_NATIVE" and found is not None:
                return found.strip().lower()
    except (ImportError, OSError, ValueError):
        pass
    return "auto"


_reason: str | None = "not looked for"


def compiled() -> bool:
    """Whether the access gate that runs is the compiled one."""
    module = sys.modules.get("gateway.auth.gate")
    return module is not None and not str(getattr(module, "__file__", "")).endswith(".py")


def check(mode: str) -> None:
    """Say at start which access gate runs (one log line); ``require`` without the compiled
    one raises ``NativeAuthMissing`` (the gateway refuses to start)."""
    if compiled():
        if mode == "off":  # (a settings object made in code, not the environment or .env)
            log.warning(
                "gateway.native_auth",
                extra={"auth": "compiled", "reason": "off was set after the gate was loaded"},
            )
            return
        log.info("gateway.native_auth", extra={"auth": "compiled"})
        return
    reason = _reason or "not loaded"
    if mode == "require":
        raise NativeAuthMissing(
            f"the compiled access gate is {reason}: run `make install` (needs a C compiler "
            "and the Python headers) or set RUMAH_GATEWAY_NATIVE=auto"
        )
    log.info("gateway.native_auth", extra={"auth": "source", "reason": reason})
