"""One SQLite connection driven from its own thread, awaited from asyncio.

Both embedded adapters (store and event log) use it. SQLite calls block, so each adapter
owns one worker thread: every statement of a connection runs there, in order, which also
makes a connection safe to share between coroutines.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class SqliteConn:
    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0, synchronous: str = "NORMAL"):
        self.path = path
        self._busy_timeout_s = busy_timeout_s
        self._synchronous = synchronous
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    async def open(self, schema: str) -> None:
        """Open (creating the file and ``schema`` if needed) in WAL mode."""
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"sqlite-{self.path.stem}")
        await self._submit(lambda: self._connect(schema))

    def _connect(self, schema: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.executescript(schema)
        self._conn = conn

    async def close(self) -> None:
        if self._executor is None:
            return
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._submit(conn.close)
        self._executor.shutdown(wait=True)
        self._executor = None

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` on the connection's thread."""
        conn = self._conn
        if conn is None:
            raise sqlite3.OperationalError(f"{self.path} is not open")
        return await self._submit(lambda: fn(conn))

    async def _submit(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            raise sqlite3.OperationalError(f"{self.path} is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken up front, so concurrent writers queue instead of failing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
