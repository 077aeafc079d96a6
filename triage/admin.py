"""Scheduled retrainings in the admin, read-only (the records of what the schedule decided),
under a line naming the active model and what it was trained on and measured with."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from tousu.admin_base import ReadOnlyAdmin
from triage import retrain
from triage.models import RetrainRun


def accuracy_line(figures: dict[str, Any]) -> str:
    """Per head: held-out complaints, the old model's accuracy -> the new one's."""
    parts = []
    for head, row in figures.items():
        old, new = row.get("old", {}).get("accuracy"), row.get("new", {}).get("accuracy")
        parts.append(f"{head} n={row.get('n')}: {old} → {new}")
    return "; ".join(parts)


def active_line() -> str:
    found = retrain.status()
    active = found["active"]
    if active is None:
        line = _("No triage model is active: complaints get no suggested codes.")
    elif active.get("unreadable"):
        line = _("The active triage model %(version)s cannot be read.") % active
    else:
        line = _("Active model %(version)s, trained %(created_at)s on %(decisions)s staff "
                 "decisions.") % {**active, "decisions": active.get("decisions") or 0}
        if active.get("check"):
            line += " " + _("Held-out accuracy (previous → this): %(figures)s.") % {
                "figures": accuracy_line(active["check"])}
    last = found["last_run"]
    if found["setting"] == "off":
        line += " " + _("Scheduled retraining is off (TOUSU_TRIAGE_RETRAIN).")
    elif last is not None:
        line += " " + _("Last scheduled retraining %(period)s: %(outcome)s (%(reason)s).") % {
            "period": last.period, "outcome": last.get_outcome_display(), "reason": last.reason}
    return line


@admin.register(RetrainRun)
class RetrainRunAdmin(ReadOnlyAdmin):
    list_display = ["period", "outcome", "started_at", "finished_at", "previous_version",
                    "candidate_version", "new_decisions", "trained_decisions", "held_out_accuracy",
                    "reason"]
    list_filter = ["outcome"]

    @admin.display(description="留出准确率 Held-out accuracy (old → new)")
    def held_out_accuracy(self, run: RetrainRun) -> str:
        return accuracy_line(run.figures)

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}),
                                                 "subtitle": active_line()})
