"""PyMongo failures → port errors: what counts as "the store is unavailable, retry"."""

from pymongo.errors import AutoReconnect, ExecutionTimeout, OperationFailure

from services.kit.ports import StoreUnavailable
from services.kit.store.mongo.errors import unavailable


def test_timeouts_and_lost_connections_mean_unavailable() -> None:
    assert isinstance(unavailable(AutoReconnect("connection reset")), StoreUnavailable)
    timeout = ExecutionTimeout("operation exceeded time limit")
    assert isinstance(unavailable(timeout), StoreUnavailable)


def test_a_ferretdb_time_limit_means_unavailable_not_a_bug() -> None:
    # As FerretDB 1.24 answers a find whose maxTimeMS expired (seen under load after a restart)
    exc = OperationFailure(
        "[msg_find.go:344 handler.handleMaxTimeMSError] [collection.go:94 "
        "sqlite.(*collection).Query] interrupted (9)",
        code=1,
    )
    assert isinstance(unavailable(exc), StoreUnavailable)


def test_other_server_errors_stay_errors() -> None:
    exc = OperationFailure("unknown operator: $foo", code=2)
    assert unavailable(exc) is exc
