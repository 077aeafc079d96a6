"""Short-lived per-process copies of rarely changing rows (units, API keys) read on every API
call. An entry lives TTL seconds; a save or delete in this process clears the whole cache at
once (org/apps.py), so other server processes see a change within TTL seconds."""

import threading
import time
from collections.abc import Callable
from typing import Any

TTL = 30.0
_lock = threading.Lock()
_entries: dict[tuple[str, str], tuple[float, Any]] = {}


def remember(kind: str, key: str, load: Callable[[], Any]) -> Any:
    """The cached value for (kind, key), loading it when missing or expired. None (not found)
    is never cached, so a row created a moment ago is found at once."""
    now = time.monotonic()
    entry = _entries.get((kind, key))
    if entry is not None and entry[0] > now:
        return entry[1]
    value = load()
    if value is not None:
        with _lock:
            _entries[(kind, key)] = (now + TTL, value)
    return value


def clear(*args: object, **kwargs: object) -> None:
    with _lock:
        _entries.clear()
