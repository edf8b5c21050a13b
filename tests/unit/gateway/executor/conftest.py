"""Executor tests run twice: on the mypyc-compiled kernel and on the pure-Python reference.

The reference modules are the specification; the compiled kernel (``gateway/executor/kernel.py``,
built by ``make install``) must give the same answers, so every test that executes a plan or
shapes a response takes the ``kernel`` fixture (``pytestmark`` in the module) and runs on both.
A kernel that was never built (no C compiler) skips the compiled runs with the reason; one built
from another ``kernel.py`` fails them, since the tests would otherwise pass on the reference
while the gateway serves stale compiled code.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest
from executor_fakes import KERNEL, compiled_kernel


@pytest.fixture(params=["compiled", "reference"])
def kernel(request: pytest.FixtureRequest) -> Iterator[ModuleType | None]:
    KERNEL.module = compiled_kernel() if request.param == "compiled" else None
    try:
        yield KERNEL.module
    finally:
        KERNEL.module = None
