import datetime as dt
from typing import Any

from django import template
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import choices as ch
from complaints.audit import REDACTED
from intake.choices import LetterChannel, LetterKind
from notify.models import Channel as NotifyChannel
from org.choices import ReleaseReason
from triage.pii import mask_payload, mask_text
from workspace.forms import FIELD_LABELS
from workspace.forms import bilingual as _bilingual

register = template.Library()
# Labels of the payload keys events carry: the action forms' field labels, and the keys only
# events have (or that read better there); any other key is shown as it is named.
KEY_LABELS = {
    **FIELD_LABELS,
    "channel": gettext_lazy("Channel"), "source": gettext_lazy("Source"),
    "unit": gettext_lazy("Unit"), "handler": gettext_lazy("Handler"),
    "tags": gettext_lazy("Tags"), "decision_due": gettext_lazy("Decision due"),
    "purpose": gettext_lazy("Purpose"), "proof": gettext_lazy("Proof"),
    "due_at": gettext_lazy("Due"), "fields": gettext_lazy("Fields"), "code": gettext_lazy("Code"),
    "customer_updated": gettext_lazy("Customer details updated"),
    "acknowledged_by": gettext_lazy("Acknowledged by"), "notified_by": gettext_lazy("Notified by"),
    "picked": gettext_lazy("Handler picked automatically"),
    "needs_approval": gettext_lazy("Needs approval"),
    "resolution_id": gettext_lazy("Resolution number"),
    "referral_id": gettext_lazy("Referral number"), "from_unit": gettext_lazy("From unit"),
    "proposed_by": gettext_lazy("Proposed by"), "into": gettext_lazy("Merged into"),
    "deadlines_ended": gettext_lazy("Deadlines ended"),
    "approval_level": gettext_lazy("Approval level"), "approved_by": gettext_lazy("Approved by"),
    "attachment_id": gettext_lazy("Attachment number"),
    "contact_id": gettext_lazy("Contact number"),
    "clock_restarted": gettext_lazy("Clock restarted"), "content_type": gettext_lazy("File type"),
    "size": gettext_lazy("Size (bytes)"), "sha256": "SHA-256",
    "dimension": gettext_lazy("Dimension"), "head": gettext_lazy("Classifier"),
    "label": gettext_lazy("Label"), "suggested": gettext_lazy("Suggested"),
    "model_version": gettext_lazy("Model version"), "status": gettext_lazy("Status"),
    "error": gettext_lazy("Error"), "language": gettext_lazy("Language"),
    "letter_id": gettext_lazy("Letter number"), "resend_of": gettext_lazy("Resend of letter"),
    "sent_at": gettext_lazy("Sent at"), "template_version": gettext_lazy("Template version"),
    "from": gettext_lazy("Severity before"), "to": gettext_lazy("Severity after"),
    "transferred_at": gettext_lazy("Transferred by the regulator on"),
    "regulator_due": gettext_lazy("Regulator's deadline for feedback"),
    "group_size": gettext_lazy("Number of complainants"),
    "group_size_before": gettext_lazy("Number of complainants before"),
    "in_person": gettext_lazy("In person"), "severity_kept": gettext_lazy("Severity kept"),
    "claim_minutes": gettext_lazy("Minutes allowed to claim"),
    "retained_until": gettext_lazy("Retained until"), "redacted": gettext_lazy("Redacted"),
    "previous": gettext_lazy("Previous ruling"),
    "reworded": gettext_lazy("Reworded after approval"),
}
# Payload keys that hold a stored code of a choice list: shown by the choice's label. A key
# several events use ("kind" of a contact, a referral or a letter) tries its lists in turn.
CHOICES_OF: dict[str, tuple[type[TextChoices], ...]] = {
    "channel": (ch.Channel, LetterChannel), "source": (ch.Source,),
    "severity": (ch.Severity,), "decision": (ch.Decision,), "remedy": (ch.RemedyKind,),
    "validity": (ch.Validity,), "acknowledged_by": (NotifyChannel,),
    "notified_by": (NotifyChannel,), "sent_via": (ch.ContactKind,),
    "from": (ch.Severity,), "to": (ch.Severity,), "severity_kept": (ch.Severity,),
    "previous": (ch.Validity,),
    "via": (ch.Channel,), "kind": (ch.ContactKind, ch.ReferralKind, LetterKind),
    "reason": (ch.DeclineReason, ch.PauseReason, ReleaseReason), "outcome": (ch.ReviewOutcome,),
}
EMPTY: tuple[Any, ...] = (None, "", [], {})


def _shown(value: Any) -> str:
    """A payload value for people: yes/no, local times, lists and mappings spelt out, nothing
    empty, a value removed by retention said to be so."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        if REDACTED in value and len(value) == 1:
            return _("[redacted]")
        return "; ".join(f"{KEY_LABELS.get(k, k)}: {_shown(v)}" for k, v in value.items()
                         if v not in EMPTY)
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value if v not in EMPTY)
    if isinstance(value, str):
        moment = parse_datetime(value) if len(value) >= 16 and value[10:11] == "T" else None
        if isinstance(moment, dt.datetime) and timezone.is_aware(moment):
            return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    return str(value)


@register.filter
def masked(text: str) -> str:
    """Free text with the identifiers in it masked (the audited reveal shows them)."""
    return mask_text(str(text or ""))


@register.filter
def payload_value(value: Any) -> str:
    """One payload value for people, as the timeline shows it (a redacted one said to be so)."""
    return _shown(value) if value not in EMPTY else ""


@register.filter
def event_details(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's payload as (label, value) lines, leaving out what is empty, with identifiers
    in its free text masked."""
    return [(str(KEY_LABELS.get(key, key)), _shown(_choice_label(key, mask_payload(value, key))))
            for key, value in payload.items() if value not in EMPTY]


def _choice_label(key: str, value: Any) -> Any:
    for choices in CHOICES_OF.get(key, ()):
        if isinstance(value, str) and value in choices.values:
            return _bilingual(choices(value).label)
    return value


@register.filter
def bilingual(label: str) -> str:
    """The active language's half of a "中文 English" choice label."""
    return _bilingual(label)


@register.simple_tag(takes_context=True)
def staff_menu(context: template.Context) -> dict[str, bool]:
    """Which menu entries the signed-in user may use: registration (a staff role that registers,
    as `intake.views` and `register_complaint` check) and reports (a reporting role, as
    `reports.scope.report_paths` checks) and audit (as `privacy.views.audit_paths` checks), and
    held messages (as `intake.override.quarantine_principal` checks)."""
    from complaints.lifecycle import STAFF
    from org.access import staff_principal
    from privacy.views import audit_paths
    from reports.scope import report_paths

    request = context.get("request")
    user = getattr(request, "user", None)
    principal = staff_principal(user) if user is not None and user.is_authenticated else None
    if principal is None:
        return {"register": False, "reports": False, "audit": False, "held": False}
    return {"register": bool({role for role, _path in principal.grants} & STAFF),
            "reports": bool(report_paths(principal)), "audit": bool(audit_paths(principal)),
            "held": _handles_held(principal, user)}


def _handles_held(principal: Any, user: Any) -> bool:
    """Whether the held messages are the user's to handle: an intake agent, then checked as
    `intake.override.quarantine_principal` does (others reach them from the admin)."""
    from intake.override import quarantine_principal
    from org.choices import Role

    return any(role == Role.INTAKE_AGENT for role, _path in principal.grants) and \
        quarantine_principal(user) is not None
