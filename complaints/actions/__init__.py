"""Every write to a complaint goes through these functions (STYLE.md: writes through actions)."""

from complaints.actions.register import register_complaint, request_fingerprint
from complaints.actions.run import run_action

__all__ = ["register_complaint", "request_fingerprint", "run_action"]
