"""What the action forms offer for the fields that name a unit or a staff member: the units,
handlers and approvers the action would accept, as suggestions under a text input (a
`<datalist>`: a bank has hundreds of units, and typing a code stays the fastest way in). The
action still checks what is sent; these lists only spare people from knowing codes by heart."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from complaints.choices import SEVERITY_RANK, Severity
from complaints.lifecycle import MANAGERS
from complaints.models import Complaint
from org.access import Principal
from org.models import OrgUnit, RoleGrant

Choices = list[tuple[str, str]]
LIMIT = 300  # suggestions per list; past that, typing narrows it in the browser anyway
HANDLING = frozenset({"handler", "manager"})


def _under_any(paths: tuple[str, ...], field: str = "path") -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def units(principal: Principal) -> Choices:
    """Active units within the principal's scope, in tree order."""
    found = OrgUnit.objects.filter(_under_any(principal.read_paths), active=True).order_by("path")
    return [(u.code, f"{u.code} {u.name}") for u in found[:LIMIT]]


def _staff(grants: QuerySet[RoleGrant], exclude_user_id: int | None) -> Choices:
    users = (get_user_model().objects.filter(is_active=True, pk__in=grants.values("user_id"))
             .exclude(pk=exclude_user_id or 0).order_by("username"))
    return [(u.get_username(), f"{u.get_username()} {u.get_full_name()}".strip())
            for u in users[:LIMIT]]


def handlers(principal: Principal, complaint: Complaint | None = None) -> Choices:
    """Staff who may take a work order within the principal's scope (not the one complained
    about: they must recuse themselves)."""
    grants = RoleGrant.objects.filter(_under_any(principal.read_paths, "unit__path"),
                                      role__in=HANDLING, unit__active=True)
    return _staff(grants, complaint.staff_complained_about_id if complaint else None)


def approvers(complaint: Complaint) -> Choices:
    """Managers of the complaint's unit or a unit above it."""
    path = complaint.unit.path
    above = [path[:i + 1] for i, ch in enumerate(path) if ch == "/" and i]
    grants = RoleGrant.objects.filter(unit__path__in=above, role__in=MANAGERS)
    return _staff(grants, complaint.staff_complained_about_id)


def suggestions(principal: Principal, complaint: Complaint, action: str) -> dict[str, Choices]:
    """Per field of `action`'s form, the values to suggest."""
    if action == "assign":
        return {"unit": units(principal), "handler": handlers(principal, complaint)}
    if action == "extend":
        return {"approver": approvers(complaint)}
    return {}


def accepted_choices(complaint: Complaint, action: str) -> dict[str, set[str]]:
    """Per choice field of `action`'s form, the only values the action would accept now (the
    others are not offered): an escalation goes only above the present severity."""
    if action == "escalate":
        rank = SEVERITY_RANK.get(Severity(complaint.severity), 0)
        return {"severity": {str(s) for s, r in SEVERITY_RANK.items() if r > rank}}
    return {}
