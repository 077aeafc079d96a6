"""In-process delivery for the embedded default: one daemon thread per server process drains the
outbox when kicked after a commit, and every 30 s in case a kick was missed (a crash, another
process). With TOUSU_TASKS=manual nothing runs by itself (tests call deliver_due)."""

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections

from notify import outbox

logger = logging.getLogger(__name__)
BATCH_WAIT_S = 0.25
_wake = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None
# Set by the intake app: puts the letters just delivered on their timelines. Done here, batch by
# batch, instead of by the once-a-minute housekeeping job alone, which wrote a busy minute's
# events (3,665 after bench/peer.py's first round) in one burst inside a web server process.
proof_hook: Callable[[], int] | None = None


def kick() -> None:
    if outbox.tasks_mode() != "inprocess":
        return
    _ensure_started()
    _wake.set()


def _ensure_started() -> None:
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_loop, name="tousu-outbox", daemon=True)
            _thread.start()


def _loop() -> None:
    while True:
        _wake.wait(timeout=30)
        # Let a burst of commits gather: one claim and one update for many notifications
        # costs far less of the write lock than one each.
        time.sleep(BATCH_WAIT_S)
        _wake.clear()
        try:
            drain()
        except Exception:
            logger.exception("outbox delivery failed; retrying on the next wake")
        finally:
            close_old_connections()


def drain() -> None:
    """Deliver everything due, then record what was delivered on the timelines (not looked for
    when this wake delivered nothing: every commit wakes the thread)."""
    delivered = 0
    while (sent := outbox.deliver_due()) > 0:
        delivered += sent
    if delivered and proof_hook is not None:
        while proof_hook() > 0:
            pass
