"""Document-store adapters: SQLite (embedded) and MongoDB (PyMongo async)."""
