"""Helpers shared by the action handlers."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

from complaints.actions.run import Ctx
from complaints.choices import Severity
from complaints.errors import ActionError
from complaints.lifecycle import MANAGERS
from complaints.models import Complaint
from notify.staff import ancestor_paths, announce_major, tell_staff
from org.choices import StaffEvent
from org.models import OrgUnit, RoleGrant

RETENTION = dt.timedelta(days=3 * 366)
Handler = Callable[[Ctx, Complaint, Any], dict[str, Any]]


def bad(field: str, message: str) -> ActionError:
    return ActionError(message, [(field, message)])


def megabytes(size: int) -> str:
    """A byte limit as people say it: 10485760 -> '10 MB' (a limit under 1 MB in bytes)."""
    return f"{size / 1048576:g} MB" if size >= 1048576 else f"{size} bytes"


def staff_member(username: str, field: str, unit: OrgUnit, roles: frozenset[str]) -> Any:
    """An active staff member holding one of `roles` on `unit` (directly or above it)."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise bad(field, f"没有启用中的员工 {username!r} / no active staff member {username!r}")
    paths = RoleGrant.objects.filter(user=user, role__in=roles).values_list("unit__path", flat=True)
    if not any(unit.path.startswith(p) for p in paths):
        raise bad(field, f"{username} 在机构 {unit.code} 没有相应的角色 / {username} holds no "
                        f"suitable role for unit {unit.code}")
    return user


def close(ctx: Ctx, c: Complaint) -> None:
    c.closed_at = ctx.now
    c.retention_until = (ctx.now + RETENTION).date()
    ctx.changed |= {"closed_at", "retention_until"}




def raise_severity(ctx: Ctx, c: Complaint, severity: str, reason: str) -> str:
    """Raise the complaint's severity (the caller checked that it is higher) and tell whom it
    concerns: a major complaint is announced to the people who answer for it, once per
    complaint (CN Art. 29); a lesser raise goes to the managers up the tree. The statistics
    follow the saved row (run_action's rollups). Returns the severity before."""
    previous, c.severity = c.severity, severity
    ctx.changed.add("severity")
    if severity == Severity.MAJOR:
        announce_major(c, reason)
    else:
        managers = RoleGrant.objects.filter(role__in=MANAGERS,
                                            unit__path__in=ancestor_paths(c.unit))
        tell_staff(unit=c.unit, event=StaffEvent.ESCALATION, key=f"{c.number}:{c.version}",
                   user_ids=list(managers.values_list("user_id", flat=True)),
                   text=f"升级 Escalated {c.number}: {previous} → {severity}. {reason}",
                   complaint_id=c.pk)
    return previous
