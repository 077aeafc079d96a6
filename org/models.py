from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from org.choices import Assignment, Role, StaffChannel, StaffEvent, UnitKind
from org.tree import (
    CYCLE_RULE,
    PARENT_RULE,
    ROOT_RULE,
    code_problem,
    limit_problems,
    makes_cycle,
)


class OrgUnit(models.Model):
    """A node of the bank's tree. `path` holds the codes from the root ("/HO/BJ/BJ01/") so that a
    subtree is one indexed prefix query; it is kept in step with `parent` on every save."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=500, db_index=True, editable=False)
    approval_limit = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("5000.00"),
        help_text="Resolutions above this amount need the unit manager's approval.",
    )
    senior_approval_limit = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("50000.00"),
        help_text="Resolutions above this amount need approval one level up.",
    )
    assignment = models.CharField(
        max_length=12, choices=Assignment.choices, default=Assignment.LEAST_OPEN,
        help_text="How a work order sent to this unit without a handler finds one.",
    )
    claim_minutes = models.PositiveIntegerField(
        default=240, help_text="A work order not claimed within this time goes back to the manager."
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        old_path = self.path
        self.path = (self.parent.path if self.parent else "/") + f"{self.code}/"
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if old_path and old_path != self.path:
            for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.save()

    def clean(self) -> None:
        problem = code_problem(self.code or "")
        if problem:
            raise ValidationError({"code": problem})
        limits = limit_problems(self.approval_limit, self.senior_approval_limit,
                                self.claim_minutes)
        if limits:
            raise ValidationError(limits)
        # A root already there stays editable; none is added beside it.
        if self.parent_id is None and OrgUnit.objects.filter(parent=None).exclude(
                pk=self.pk).exists() and not OrgUnit.objects.filter(pk=self.pk,
                                                                     parent=None).exists():
            raise ValidationError({"parent": ROOT_RULE})
        if self.active and self.parent_id is not None and not OrgUnit.objects.filter(
                pk=self.parent_id, active=True).exists():
            raise ValidationError({"parent": PARENT_RULE})
        if self.pk and self.parent_id is not None:
            paths = dict(OrgUnit.objects.filter(pk__in=[self.pk, self.parent_id])
                         .values_list("pk", "path"))
            if self.parent_id == self.pk or makes_cycle(paths.get(self.pk, ""),
                                                        paths.get(self.parent_id, "")):
                raise ValidationError({"parent": CYCLE_RULE})
        if self.pk and not self.active and OrgUnit.objects.filter(pk=self.pk, active=True).exists():
            from org.deactivation import unit_deactivation_problems

            problems = unit_deactivation_problems(self)
            if problems:
                raise ValidationError({"active": problems})

    def ancestors(self) -> list["OrgUnit"]:
        """From the root down to this unit's parent."""
        codes = self.path.strip("/").split("/")[:-1]
        by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)


class RoleGrant(models.Model):
    """A role granted to a staff member on a unit; it covers the unit's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="grants")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_grant")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.unit.code}"

    def clean(self) -> None:
        if self.unit_id is not None and not OrgUnit.objects.filter(pk=self.unit_id,
                                                                   active=True).exists():
            raise ValidationError({"unit": "该机构已停用，授予的角色不会生效 / this unit is "
                                           "deactivated: a role granted on it would have no "
                                           "effect"})


class ApiKey(models.Model):
    """A bearer key for an integration. Only the SHA-256 of the secret is stored; the key itself
    is shown once when issued. Keys are high-entropy, so a fast hash is as strong as a slow one."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="api_keys")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class RoutingRule(models.Model):
    """Picks the responsible unit of a new complaint. Rules are tried in `order`; the first whose
    every set condition holds wins. A rule with no condition is a catch-all (the fallback)."""

    order = models.PositiveIntegerField(default=100)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    account_branch = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The customer's account branch is this unit or inside it.",
    )
    named_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The unit named in the complaint is this unit or inside it.",
    )
    product_contains = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=16, blank=True, help_text="A classification code, e.g. B02.")
    target = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="routed_here")

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.name} → {self.target.code}"


class Subscription(models.Model):
    """Who hears of what: staff events of a unit (and, if `subtree`, of the units inside it)
    sent to a channel — the unit's own staff in-app or by email, or a group-chat robot."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="subscriptions")
    event = models.CharField(max_length=20, choices=StaffEvent.choices)
    channel = models.CharField(max_length=10, choices=StaffChannel.choices)
    webhook_url = models.URLField(blank=True, max_length=500)
    secret = models.CharField(max_length=200, blank=True, help_text="DingTalk signing secret.")
    subtree = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.unit.code} {self.event} → {self.channel}"

    def clean(self) -> None:
        from notify.webhooks import url_problem

        if self.channel in (StaffChannel.IN_APP, StaffChannel.EMAIL):
            return
        problem = url_problem(self.webhook_url or "")
        if problem:
            raise ValidationError({"webhook_url": problem})
