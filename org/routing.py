"""Routing: which unit answers for a new complaint, and which handler inside a unit takes a
work order that arrives without one."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from org import cache
from org.choices import Assignment, Role
from org.models import OrgUnit, RoleGrant, RoutingRule

OPEN_STATES = ("assigned", "investigating", "awaiting_approval")


def _rules() -> tuple[RoutingRule, ...]:
    return cache.remember("routing", "rules", lambda: tuple(
        RoutingRule.objects.filter(active=True, target__active=True)
        .select_related("account_branch", "named_unit", "target")
    ))


def _within(unit: OrgUnit | None, scope: OrgUnit | None) -> bool:
    return scope is None or (unit is not None and unit.path.startswith(scope.path))


def route(*, named_unit: OrgUnit | None, account_branch: OrgUnit | None, product: str,
          codes: dict[str, str]) -> OrgUnit | None:
    """The target of the first rule whose every set condition holds, or None."""
    for rule in _rules():
        if not _within(account_branch, rule.account_branch):
            continue
        if not _within(named_unit, rule.named_unit):
            continue
        if rule.product_contains and rule.product_contains.lower() not in product.lower():
            continue
        if rule.code and rule.code not in codes.values():
            continue
        return rule.target
    return None


def pick_handler(unit: OrgUnit, exclude_user_id: int | None = None) -> object | None:
    """A handler granted on this very unit, by the unit's assignment mode (None when manual or
    when the unit has no handler). Round robin remembers its place on the unit row."""
    if unit.assignment == Assignment.MANUAL:
        return None
    users = get_user_model().objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.filter(role=Role.HANDLER, unit=unit).values("user_id"),
    )
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    if unit.assignment == Assignment.ROUND_ROBIN:
        ordered = list(users.order_by("pk"))
        if not ordered:
            return None
        after = [u for u in ordered if unit.last_assigned_id and u.pk > unit.last_assigned_id]
        chosen = (after or ordered)[0]
        OrgUnit.objects.filter(pk=unit.pk).update(last_assigned=chosen)
        return chosen
    return (
        users.annotate(open_work=Count(
            "handled_complaints", filter=Q(handled_complaints__state__in=OPEN_STATES)))
        .order_by("open_work", "pk").first()
    )
