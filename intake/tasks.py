"""Periodic jobs of the intake (run by tousu/beat.py in the embedded default, or any scheduler).
Each is safe to run in several processes at once."""

import time

from intake import imap, letters, sms

# Housekeeping runs every minute: it records letters in batches until none is left or this
# much of the minute has passed, so a busy day's backlog never outgrows one batch a minute.
HOUSEKEEPING_BUDGET_S = 45.0


def poll_mailbox() -> int:
    """Fetch the complaints mailbox when one is configured (TOUSU_IMAP_HOST)."""
    return imap.poll()


def housekeeping() -> int:
    """Put delivered letters on their timelines with their proof; forget expired SMS nonces."""
    stop_at = time.monotonic() + HOUSEKEEPING_BUDGET_S
    recorded = 0
    while True:
        batch = letters.record_letter_proofs()
        recorded += batch
        if not batch or time.monotonic() >= stop_at:
            break
    sms.purge_nonces()
    return recorded
