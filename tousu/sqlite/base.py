"""Django's SQLite backend, with a fair wait for the write lock.

SQLite's own busy handler sleeps in growing steps up to 100 ms, so under steady write load a
waiting process keeps waking after the lock was taken again and starves for hundreds of
milliseconds. Here the connection's own timeout is a few milliseconds and a statement that could
not get the lock is retried in short jittered sleeps until TOUSU_SQLITE_LOCK_WAIT has passed.
Only statements that hold no lock are retried: the `BEGIN IMMEDIATE` that opens a transaction
and single statements in autocommit; inside a transaction the write lock is already held."""

import random
import sqlite3
import time
from typing import Any

from django.db.backends.sqlite3 import base

LOCK_WAIT_S = 30.0
STEP_S = (0.0002, 0.002)


def _locked(exc: sqlite3.OperationalError) -> bool:
    message = str(exc)
    return "database is locked" in message or "database is busy" in message


class FairLockCursor(base.SQLiteCursorWrapper):
    def _retrying(self, call: Any, *args: Any) -> Any:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as exc:
                if not _locked(exc) or self.connection.in_transaction:
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(*STEP_S))  # noqa: S311 (jitter, not security)

    def execute(self, query: str, params: Any = None) -> Any:
        return self._retrying(super().execute, query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        return self._retrying(super().executemany, query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=FairLockCursor)
