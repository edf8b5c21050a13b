"""Which code runs the executor's hot loops: the mypyc-compiled kernel or the reference.

``make install`` compiles ``gateway/executor/kernel.py`` with mypyc into
``gateway/executor/_kernel_native*.so`` (``tools/native/build.py``); the compiled module
carries the SHA-256 of the source it was built from. ``load_kernel`` returns it only when it
is built *and* matches today's ``kernel.py``; otherwise the pure-Python reference modules
(``flatten``, ``representations``, ``merge``, ``shaping/shape``) run, with one log line
saying why. Setting ``RUMAH_GATEWAY_NATIVE``: ``auto`` (default), ``off`` (always the
reference), ``require`` (refuse to start without the compiled kernel).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
from pathlib import Path
from types import ModuleType
from typing import Literal

NativeMode = Literal["auto", "off", "require"]
COMPILED_NAME = "gateway.executor._kernel_native"
SOURCE = Path(__file__).with_name("kernel.py")

log = logging.getLogger("gateway.executor")


class NativeKernelMissing(RuntimeError):
    """``RUMAH_GATEWAY_NATIVE=require`` and the compiled kernel cannot be used."""


def source_digest() -> str:
    return hashlib.sha256(SOURCE.read_bytes()).hexdigest()


@functools.cache
def load_kernel(mode: NativeMode = "auto") -> ModuleType | None:
    """The compiled kernel module, or None for the pure-Python reference."""
    if mode == "off":
        return None
    try:
        module = importlib.import_module(COMPILED_NAME)
    except ImportError as exc:
        _without(mode, "not built (make install builds it)", str(exc))
        return None
    if getattr(module, "SOURCE_SHA256", None) != source_digest():
        _without(mode, "stale: built from another kernel.py (make install rebuilds it)")
        return None
    return module


def _without(mode: NativeMode, reason: str, detail: str = "") -> None:
    if mode == "require":
        raise NativeKernelMissing(f"the compiled gateway kernel is {reason} {detail}".strip())
    log.info("gateway.native_kernel_unused", extra={"reason": reason})
