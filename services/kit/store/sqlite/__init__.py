"""The embedded document store: one SQLite file, one table per collection.

``SqliteDocumentStore`` (``store``) owns the file and the outbox table; each
``SqliteCollection`` (``collection``) reads and writes one table through it.
"""

from services.kit.store.sqlite.collection import SqliteCollection
from services.kit.store.sqlite.store import SqliteDocumentStore

__all__ = ["SqliteCollection", "SqliteDocumentStore"]
