"""SQLite's unique-constraint failure as the store port's ``DuplicateKey``."""

from __future__ import annotations

import sqlite3

from services.kit.ports import DuplicateKey


def duplicate_key(coll: str, exc: sqlite3.IntegrityError) -> DuplicateKey:
    # SQLite says: "UNIQUE constraint failed: index '<coll>__ux_a_b'".
    text = str(exc)
    index = text.split("index '", 1)[-1].rstrip("'") if "index '" in text else text
    return DuplicateKey(coll, index.split("__", 1)[-1], text)
