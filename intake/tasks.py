"""Periodic jobs of the intake (run by tousu/beat.py in the embedded default, or any scheduler).
Each is safe to run in several processes at once."""

from intake import imap, letters, sms


def poll_mailbox() -> int:
    """Fetch the complaints mailbox when one is configured (TOUSU_IMAP_HOST)."""
    return imap.poll()


def housekeeping() -> int:
    """Put delivered letters on their timelines with their proof; forget expired SMS nonces."""
    recorded = letters.record_letter_proofs()
    sms.purge_nonces()
    return recorded
