"""Short-lived per-process copies of rarely changing rows (units, API keys, routing rules) read on
every API call. An entry lives TTL seconds. A save or delete of such a row (org/apps.py) clears
this process's copies at once and, once committed, changes a stamp kept in the shared Django
cache (Redis, or the database table of the embedded default: tousu.envconf.cache_settings). Each
request reads the stamp once, before its first cached read, and drops this process's copies when
it changed: a key revoked in one process is refused by every other at its next request. Work
outside a request (background jobs) does not read the stamp: there an entry lives TTL seconds."""

import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache as shared
from django.db import transaction

TTL = 30.0
STAMP_KEY = "org-cache-stamp"
_lock = threading.Lock()
_entries: dict[tuple[str, str], tuple[float, Any]] = {}
_seen: list[str | None] = [None]  # the shared stamp this process's entries were read under
_request = threading.local()  # .due: this thread's request has not read the stamp yet
log = logging.getLogger(__name__)


def remember(kind: str, key: str, load: Callable[[], Any]) -> Any:
    """The cached value for (kind, key), loading it when missing or expired. None (not found)
    is never cached, so a row created a moment ago is found at once."""
    if getattr(_request, "due", False):
        _request.due = False
        sync()
    now = time.monotonic()
    entry = _entries.get((kind, key))
    if entry is not None and entry[0] > now:
        return entry[1]
    seen = _seen[0]
    value = load()
    if value is not None:
        with _lock:
            if _seen[0] == seen:  # else read while another thread saw a change: not kept
                _entries[(kind, key)] = (now + TTL, value)
    return value


def sync() -> None:
    """Drop this process's copies when the shared stamp changed since they were read (or
    cannot be read: then nothing kept may be trusted)."""
    try:
        stamp = shared.get(STAMP_KEY)
        if stamp is None:  # never set, evicted or culled: start one (add: the first wins)
            shared.add(STAMP_KEY, secrets.token_hex(8), timeout=None)
            stamp = shared.get(STAMP_KEY)
    except Exception:  # the shared cache is down: read the rows, as without this cache
        log.warning("org cache: the shared stamp cannot be read", exc_info=True)
        stamp = None
    if stamp is None or stamp != _seen[0]:
        with _lock:
            _entries.clear()
            _seen[0] = stamp


def request_started(*args: object, **kwargs: object) -> None:
    _request.due = True


def bump() -> None:
    """Tell every process that a cached row changed (after the change is committed, so a
    process that sees the new stamp reads the new row). A shared cache that is down fails no
    write: the processes that cannot read it keep no copies meanwhile (sync)."""
    try:
        shared.set(STAMP_KEY, secrets.token_hex(8), timeout=None)
    except Exception:
        log.warning("org cache: the shared stamp cannot be changed", exc_info=True)


def changed(*args: object, **kwargs: object) -> None:
    """post_save/post_delete of a cached model: this process at once, the others on commit."""
    clear()
    transaction.on_commit(bump)


def clear(*args: object, **kwargs: object) -> None:
    with _lock:
        _entries.clear()
