from decimal import Decimal

from django.conf import settings
from django.db import models

from complaints.choices import Source, Validity
from org.models import OrgUnit
from reports.choices import DIMS, MEASURES, Impact, Post


class Dimensions(models.Model):
    """The unit and the dimensions a complaint is counted by (shared by Tally and Fact)."""

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    business = models.CharField(max_length=16)
    cause = models.CharField(max_length=16)
    code_channel = models.CharField(max_length=16)
    channel = models.CharField(max_length=16)
    source = models.CharField(max_length=20)
    severity = models.CharField(max_length=10)
    state = models.CharField(max_length=20)
    validity = models.CharField(max_length=10)
    root_cause = models.CharField(max_length=16)

    class Meta:
        abstract = True


class Tally(Dimensions):
    """One cell of the rollup: the sums of MEASURES over the complaints received in one period
    (a day, or a month) in one unit with one value of each dimension of its cube (ALL for the
    dimensions the cube leaves out). Kept in step with the complaints by reports.rollups (called
    by every registration and action) and checked by `manage.py rebuild_rollups --check`.
    A cell may be kept as several rows (`slot`, see reports.rollups.slot_of) that readers sum."""

    grain = models.CharField(max_length=1)
    cube = models.PositiveSmallIntegerField()
    period = models.DateField()
    slot = models.PositiveSmallIntegerField(db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "cube", "period", "unit", *DIMS, "slot"],
                name="unique_tally_cell_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.cube} {self.period} unit {self.unit_id}"


class Spread(models.Model):
    """How many complaints received in a period, in a unit and business category, took `value`
    (days to decision, hours to first contact): exact distributions for medians and
    percentiles, read without touching the complaints."""

    grain = models.CharField(max_length=1)
    period = models.DateField()
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    business = models.CharField(max_length=16)
    metric = models.CharField(max_length=16)
    value = models.IntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period", "unit", "business", "metric", "value"],
                name="unique_spread_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.period} {self.metric}={self.value}: {self.n}"


class Fact(Dimensions):
    """What one complaint last contributed to the rollups (its dimensions and measures), so an
    action changes the cells by the difference. A complaint that has seen no action since its
    registration has no row: its contribution is read from the complaint itself."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="report_fact",
    )
    day = models.DateField()

    def __str__(self) -> str:
        return f"facts of complaint {self.complaint_id}"


# The measure columns (one integer each), added in MEASURES order so that the tables, the
# rollup code and the migrations share one list.
for _name in MEASURES:
    Tally.add_to_class(_name, models.BigIntegerField(default=0))
    Fact.add_to_class(_name, models.BigIntegerField(default=0))


class RootCause(models.Model):
    """An entry of the root-cause list staff pick from at closure (admin-editable)."""

    code = models.CharField(max_length=16, unique=True)
    label = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class RootCauseTag(models.Model):
    """The root cause a complaint was tagged with (the latest tagging; each is an event)."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="root_cause_tag",
    )
    cause = models.ForeignKey(RootCause, on_delete=models.PROTECT, related_name="tags")
    note = models.TextField(blank=True)
    tagged_by = models.CharField(max_length=150)
    tagged_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.cause.code}"


class ValidityRuling(models.Model):
    """The consumer-protection officer's ruling on a complaint (valid / invalid / malicious)
    and its reason; the ruling itself is Complaint.validity, each ruling is an event."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="validity_ruling",
    )
    validity = models.CharField(max_length=10, choices=Validity.choices)
    reason = models.TextField()
    ruled_by = models.CharField(max_length=150)
    ruled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.validity}"


class AssessmentRule(models.Model):
    """What a valid complaint costs in the branch assessment. For each valid complaint the
    matching rule with the highest priority applies: `amount` to each person holding one of
    `posts` for the complaint, and `unit_points` off the responsible unit's quarterly score."""

    name = models.CharField(max_length=100)
    source = models.CharField(
        max_length=20,
        choices=Source.choices,
        blank=True,
        help_text="Only complaints from this source; blank: any source.",
    )
    impact = models.CharField(
        max_length=16,
        choices=Impact.choices,
        blank=True,
        help_text="Only complaints with this impact; blank: any.",
    )
    priority = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    posts = models.JSONField(
        default=list,
        blank=True,
        help_text='Who pays the amount, e.g. ["responsible", "vice_president", "president"].',
    )
    unit_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-priority", "id"]

    def __str__(self) -> str:
        return self.name


class AssessmentPost(models.Model):
    """Who holds an assessment post (president, supervising vice-president, responsible person
    of last resort) for a unit and the units below it."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="assessment_posts")
    post = models.CharField(max_length=20, choices=Post.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_posts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "post"], name="unique_assessment_post")
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.post}: {self.user}"


class AssessmentSetting(models.Model):
    """The quarterly points every unit starts from, and the bonus for a unit (with its whole
    subtree) that had no valid complaint in the quarter. The row with the lowest id applies."""

    base_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("100"))
    bonus_points = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("5"))

    def __str__(self) -> str:
        return f"base {self.base_points}, bonus {self.bonus_points}"


class ReportingBase(models.Model):
    """The denominators of the regulator's benchmark ratios for a year: business outlets
    (blank: the active branches and sub-branches in the org tree) and personal customers."""

    year = models.PositiveIntegerField(unique=True)
    outlets = models.PositiveIntegerField(null=True, blank=True)
    personal_customers = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.personal_customers} personal customers"
