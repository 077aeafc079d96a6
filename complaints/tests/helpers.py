"""Walking a test complaint through actions as the cast's staff."""

from typing import Any

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action


def act(cast: Any, who: str, c: Any, action: str, **fields: Any) -> Any:
    """Run `action` as `who` at the complaint's current version; the complaint after it."""
    payload = ACTION_SCHEMAS[action].model_validate({"version": c.version, **fields})
    return run_action(cast.principal(who), c.number, action, payload)


def investigating(cast: Any, c: Any, accepted_by: str = "agent") -> Any:
    """Accepted, assigned to alice at BJ01 and claimed by her."""
    c = act(cast, accepted_by, c, "accept")
    c = act(cast, "mia", c, "assign", unit="BJ01", handler="alice")
    return act(cast, "alice", c, "claim")
