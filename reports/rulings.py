"""Validity rulings and root-cause tags: the records the `rule_validity` and `tag_root_cause`
lifecycle actions keep besides their events. Called only from those actions' handlers."""

import datetime as dt
from typing import Any

from complaints.errors import ActionError
from reports.models import RootCause, RootCauseTag, ValidityRuling


def record_validity(complaint: Any, validity: str, reason: str, by: str, at: dt.datetime) -> None:
    """Keep the latest ruling's reason beside Complaint.validity (earlier ones are events)."""
    ValidityRuling.objects.update_or_create(
        complaint_id=complaint.pk,
        defaults={"validity": validity, "reason": reason, "ruled_by": by, "ruled_at": at},
    )


def tag_root_cause(complaint: Any, code: str, note: str, by: str, at: dt.datetime) -> RootCause:
    """Tag the complaint with an active entry of the root-cause list."""
    cause = RootCause.objects.filter(code=code, active=True).first()
    if cause is None:
        known = ", ".join(RootCause.objects.filter(active=True).values_list("code", flat=True))
        raise ActionError(
            "未知根因 / Unknown root cause",
            [("root_cause", f"没有启用中的根因 {code!r} / no active root cause {code!r}; "
                            f"known: {known}")]
        )
    RootCauseTag.objects.update_or_create(
        complaint_id=complaint.pk,
        defaults={"cause": cause, "note": note, "tagged_by": by, "tagged_at": at},
    )
    return cause
