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
import os
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
    """The compiled kernel module, or None for the pure-Python reference.

    Raises ``NativeKernelMissing`` (one line: why, and the fix) when ``mode`` is ``require``
    and the compiled kernel is missing or stale."""
    if mode == "off":
        return None
    if mode not in ("auto", "require"):
        raise ValueError(f"RUMAH_GATEWAY_NATIVE must be auto, off or require, not {mode!r}")
    try:
        module = importlib.import_module(COMPILED_NAME)
    except ImportError:
        _without(mode, "not built")
        return None
    if getattr(module, "SOURCE_SHA256", None) != source_digest():
        _without(mode, "stale (built from another gateway/executor/kernel.py)")
        return None
    log.info("gateway.native_kernel", extra={"kernel": "compiled"})
    return module


def kernel_from_environment() -> ModuleType | None:
    """``load_kernel`` for ``RUMAH_GATEWAY_NATIVE`` as set (default ``auto``): for benches and
    test harnesses that build a ``Pipeline`` without ``GatewaySettings``."""
    mode = os.environ.get("RUMAH_GATEWAY_NATIVE", "auto")
    return load_kernel(mode)  # type: ignore[arg-type]  # an unknown mode: ValueError


def _without(mode: NativeMode, reason: str) -> None:
    if mode == "require":
        raise NativeKernelMissing(
            f"the compiled gateway kernel is {reason}: run `make install` (needs a C compiler "
            "and the Python headers) or set RUMAH_GATEWAY_NATIVE=auto"
        )
    log.info("gateway.native_kernel", extra={"kernel": "reference", "reason": reason})
