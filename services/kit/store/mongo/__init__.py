"""The scale-out document store: MongoDB through PyMongo's async API (tested on FerretDB).

``MongoDocumentStore`` (``store``) owns the client, the write mode and the outbox side; each
``MongoCollection`` (``collection``) reads and writes one collection through it.
"""

from services.kit.store.mongo.collection import MongoCollection
from services.kit.store.mongo.store import MongoDocumentStore

__all__ = ["MongoCollection", "MongoDocumentStore"]
