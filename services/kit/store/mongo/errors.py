"""PyMongo failures mapped to the port's errors."""

from __future__ import annotations

from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError, WaitQueueTimeoutError

from services.kit.ports import PortError, StoreUnavailable


def unavailable(exc: PyMongoError) -> PortError | PyMongoError:
    """``StoreUnavailable`` for network/timeout failures; other errors are bugs, kept as is."""
    if isinstance(exc, ConnectionFailure | ExecutionTimeout | WaitQueueTimeoutError) or getattr(
        exc, "timeout", False
    ):
        return StoreUnavailable(f"mongodb: {type(exc).__name__}: {exc}")
    return exc
