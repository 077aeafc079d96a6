import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models

from clocks.choices import BankDayKind, ClockCalendar, DeadlineKind, DeadlineStatus, Obligation


class Deadline(models.Model):
    """One obligation of a complaint with its due time, computed by the complaint's rule pack.
    Stored when computed, never recomputed on read; pauses, extensions and restarts are kept as
    lists so the history of the clock is visible. The sweeper moves `warn_stage` and `status`
    only with conditional updates, so each warning and each breach happens once."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="deadlines"
    )
    obligation = models.CharField(max_length=40)
    rule_pack = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=DeadlineKind.choices,
                            default=DeadlineKind.DUTY)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    met_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_intervals = models.JSONField(default=list, blank=True)
    extensions = models.JSONField(default=list, blank=True)
    restarts = models.JSONField(default=list, blank=True)
    # How many of the configured warnings (TOUSU_DEADLINE_WARNINGS, earliest first) were sent
    # or passed over for the current due time; 0 again whenever the due time moves.
    warn_stage = models.PositiveSmallIntegerField(default=0)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "obligation"], name="unique_obligation_per_complaint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.obligation} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        try:
            return str(Obligation(self.obligation).label)
        except ValueError:
            return self.obligation

    def remaining(self, now: dt.datetime) -> dt.timedelta | None:
        """Time left on a running clock; a paused clock keeps what it had when it stopped."""
        if self.status == DeadlineStatus.OPEN:
            return self.due_at - now
        if self.status == DeadlineStatus.PAUSED and self.paused_since is not None:
            return self.due_at - self.paused_since
        return None

    def overdue(self, now: dt.datetime) -> bool:
        """Past due and not fulfilled, whether or not the sweeper has marked it yet."""
        if self.kind != DeadlineKind.DUTY:
            return False
        if self.status == DeadlineStatus.BREACHED:
            return self.met_at is None
        return self.status == DeadlineStatus.OPEN and now >= self.due_at + dt.timedelta(seconds=1)


class ClosureDay(models.Model):
    """A day the bank declares in a calendar. `closed`: closed on top of the calendar's public
    holidays (a local holiday, a system cut-over), not a business day there. `open`: open on a
    weekday holiday the calendar lists, a business day after all, accepted only where the
    regulation counts the days the institution is open (us). Neither ever moves a calendar-day
    period (see clocks/calendar.py). Changes apply to deadlines computed afterwards."""

    calendar = models.CharField(max_length=10, choices=ClockCalendar.choices)
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=BankDayKind.choices,
                            default=BankDayKind.CLOSED)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["calendar", "day"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day"], name="unique_closure_day")
        ]

    def __str__(self) -> str:
        return f"{self.calendar} {self.day:%Y-%m-%d} {self.kind} {self.reason}"

    def clean(self) -> None:
        from clocks.calendar import FIXED_BUSINESS_DAYS, OPEN_DAY_CALENDARS, open_day_refusal

        if self.kind == BankDayKind.OPEN:
            refusal = open_day_refusal(self.calendar, self.day)
            if refusal:
                field = "day" if self.calendar in OPEN_DAY_CALENDARS else "kind"
                raise ValidationError({field: refusal})
        elif self.calendar in FIXED_BUSINESS_DAYS:
            raise ValidationError({"calendar": "此日历的工作日由监管规定，银行停业日不影响期限 / "
                                               "this calendar's business days are set by the "
                                               "regulator (FCA Glossary): a closure of the bank "
                                               "does not move its deadlines"})
