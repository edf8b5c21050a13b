"""Subgraph building blocks shared by every service (types, per-request context, schema)."""
