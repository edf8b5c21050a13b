"""The embedded event log: a durable log in one SQLite file (``LocalEventLog``)."""

from services.kit.eventlog.local.log import LocalEventLog

__all__ = ["LocalEventLog"]
