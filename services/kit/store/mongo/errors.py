"""PyMongo failures mapped to the port's errors."""

from __future__ import annotations

from pymongo.errors import (
    ConnectionFailure,
    ExecutionTimeout,
    OperationFailure,
    PyMongoError,
    WaitQueueTimeoutError,
)

from services.kit.ports import PortError, StoreUnavailable


def unavailable(exc: PyMongoError) -> PortError | PyMongoError:
    """``StoreUnavailable`` for network/timeout failures; other errors are bugs, kept as is."""
    if (
        isinstance(exc, ConnectionFailure | ExecutionTimeout | WaitQueueTimeoutError)
        or getattr(exc, "timeout", False)
        or _ferretdb_time_limit(exc)
    ):
        return StoreUnavailable(f"mongodb: {type(exc).__name__}: {exc}")
    return exc


def _ferretdb_time_limit(exc: PyMongoError) -> bool:
    # FerretDB 1.x reports an expired maxTimeMS as InternalError (code 1) "…handleMaxTimeMSError
    # … interrupted", not as MaxTimeMSExpired (50, which PyMongo maps to ExecutionTimeout).
    return isinstance(exc, OperationFailure) and "handleMaxTimeMSError" in str(exc)
