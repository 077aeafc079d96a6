"""Staff deciding on a suggestion: the one write triage makes to a complaint."""

from django.db import transaction
from django.utils import timezone

from complaints.audit import append_event
from complaints.errors import ActionError, Conflict, Forbidden, NotFound
from complaints.lifecycle import OPEN, STAFF
from complaints.models import Complaint
from complaints.selectors import access_complaint
from org.access import Principal
from triage import engine, mapping, service
from triage.codes import DIMENSIONS
from triage.models import Suggestion, SuggestionStatus


def _choice(suggestion: Suggestion, label: str, code: str) -> tuple[str, str]:
    """(label, code) staff chose: the best option when both are empty; a label of the
    classifier's taxonomy; or an installation code of the suggestion's dimension (with the
    option's label that has it, else the one label mapped to it, so that it is kept for
    training)."""
    options = suggestion.options
    if not label and not code:
        return options[0]["label"], options[0]["code"]
    if code and code not in DIMENSIONS.get(suggestion.dimension, {}):
        raise ActionError("未知代码 / Unknown code",
                          [("code", f"不是 {suggestion.dimension} 代码 / not a "
                                    f"{suggestion.dimension} code")])
    if label:
        model = engine.active()
        known = {o["label"] for o in options}
        if model is not None:
            known |= {c for lm in model.languages.values()
                      for h in lm.heads.values() if h.name == suggestion.head for c in h.classes}
        if label not in known:
            raise ActionError("未知标签 / Unknown label",
                              [("label", f"不是 {suggestion.head} 的标签 / not a label of "
                                         f"{suggestion.head}")])
        return label, code or mapping.code_for(suggestion.head, label)
    return next((o["label"] for o in options if o["code"] == code),
                mapping.label_for(suggestion.head, code)), code


def _refuse_unless_staff(principal: Principal, complaint: Complaint) -> None:
    if principal.api_key_id is not None or not principal.roles_on(complaint.unit.path) & STAFF:
        raise Forbidden("You may not classify this complaint",
                        [("action", "无权执行此操作 / not permitted")], code="forbidden")


def refresh_suggestions(principal: Principal, number: str) -> Complaint:
    """Classify again with the active model: staff only, like a decision (it replaces the
    pending suggestions), on a complaint in their scope."""
    complaint = access_complaint(principal, number)
    _refuse_unless_staff(principal, complaint)
    service.retriage(complaint)
    return complaint


def decide_suggestion(principal: Principal, number: str, *, version: int, head: str,
                      label: str = "", code: str = "") -> Complaint:
    """Accept (the best option) or override (any other) a suggestion. The chosen code becomes
    the complaint's code for the suggestion's dimension; the decision is kept on the suggestion
    for retraining and written to the timeline as one `classify` event. Staff only, on an open
    complaint in their scope, with the version they saw; the complaint row is locked."""
    with transaction.atomic():
        complaint = access_complaint(principal, number, for_update=True)
        _refuse_unless_staff(principal, complaint)
        if complaint.version != version:
            raise Conflict("The complaint has changed since you read it",
                           [("version", f"投诉已被他人修改，请刷新后重试 / stale: you sent "
                                        f"{version}, current is {complaint.version}")],
                           code="stale_version")
        if complaint.state not in OPEN:
            raise Conflict(f"A {complaint.state} complaint is not classified",
                           [("action", f"当前状态不允许 / not allowed from state "
                                       f"{complaint.state}")],
                           code="not_allowed")
        suggestion = complaint.suggestions.filter(head=head).first()
        if suggestion is None or not suggestion.options:
            raise NotFound("没有此建议 / No such suggestion",
                           [("head", f"没有 {head} 建议 / no {head} suggestion")])
        chosen_label, chosen_code = _choice(suggestion, label, code)
        best = suggestion.options[0]
        accepted = chosen_code == best["code"] and chosen_label in ("", best["label"])
        now = timezone.now()
        suggestion.status = SuggestionStatus.ACCEPTED if accepted else SuggestionStatus.OVERRIDDEN
        suggestion.chosen_label, suggestion.chosen_code = chosen_label, chosen_code
        suggestion.decided_by, suggestion.decided_at = principal.label[:150], now
        suggestion.save(update_fields=["status", "chosen_label", "chosen_code", "decided_by",
                                       "decided_at"])
        changed = {"version", "last_event_seq", "last_event_hash", "updated_at"}
        if chosen_code and suggestion.dimension:
            complaint.codes = {**complaint.codes, suggestion.dimension: chosen_code}
            changed.add("codes")
        complaint.version += 1
        append_event(complaint, "classify", actor_label=principal.label,
                     actor_id=principal.user_id, at=now,
                     payload={"head": head, "dimension": suggestion.dimension,
                              "label": chosen_label, "code": chosen_code,
                              "suggested": best["label"], "status": suggestion.status,
                              "model_version": suggestion.model_version})
        complaint.save(update_fields=sorted(changed))
    return complaint
