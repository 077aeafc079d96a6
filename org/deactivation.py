"""What deactivating a unit or a staff member must not leave behind: a unit is not switched off
while units inside it are still active or while it still holds open complaints; a staff member's
open work orders go back to their units' unassigned queues, on the timeline, with the managers
told."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from org.choices import ReleaseReason
from org.models import OrgUnit


def open_complaint_count(unit: OrgUnit) -> int:
    from complaints.lifecycle import OPEN
    from complaints.models import Complaint

    return Complaint.objects.filter(unit=unit, state__in=OPEN).count()


def unit_deactivation_problems(unit: OrgUnit) -> list[str]:
    """Why `unit` may not be deactivated now (empty: it may)."""
    problems = []
    children = (OrgUnit.objects.filter(path__startswith=unit.path, active=True)
                .exclude(pk=unit.pk).count())
    if children:
        problems.append(f"该机构下仍有 {children} 个启用中的下级机构，请先停用或迁移 / "
                        f"{children} active unit(s) are still inside this unit; deactivate or "
                        f"move them first.")
    complaints = open_complaint_count(unit)
    if complaints:
        problems.append(f"该机构仍有 {complaints} 件未办结投诉，请先转办 / "
                        f"This unit still holds {complaints} open complaint(s); transfer them "
                        f"first.")
    return problems


def held_open_complaints(user: AbstractBaseUser) -> int:
    from complaints.lifecycle import OPEN
    from complaints.models import Complaint

    return Complaint.objects.filter(handler_id=user.pk, state__in=OPEN).count()


RELEASE_TEXTS: dict[str, tuple[str, str]] = {
    ReleaseReason.HANDLER_DEACTIVATED: ("处理人 {handler} 已停用",
                                        "Handler {handler} was deactivated"),
    ReleaseReason.HANDLER_ROLE_REMOVED: ("处理人 {handler} 已不再在本机构任职",
                                         "Handler {handler} no longer holds a role on this unit"),
}


def release_work_orders(user: AbstractBaseUser, *, by: AbstractBaseUser,
                        reason: str = ReleaseReason.HANDLER_DEACTIVATED,
                        keep_paths: tuple[str, ...] = ()) -> int:
    """Return every open complaint `user` handles (but those in a unit under one of
    `keep_paths`) to its unit's unassigned queue (the handler cleared, a `release_handler` event
    by `by`) and tell the unit's managers. All or nothing: the caller's transaction, or one of
    its own."""
    from complaints.audit import append_event
    from complaints.lifecycle import OPEN
    from complaints.models import Complaint
    from notify.staff import nearest_managers, tell_staff
    from org.choices import StaffEvent

    now = timezone.now()
    handler = user.get_username()
    released = 0
    with transaction.atomic():
        held = (Complaint.objects.select_for_update().select_related("unit")
                .filter(handler_id=user.pk, state__in=OPEN).order_by("pk"))
        zh, en = (text.format(handler=handler) for text in RELEASE_TEXTS[reason])
        for c in held:
            if any(c.unit.path.startswith(path) for path in keep_paths):
                continue
            c.handler, c.assigned_at = None, None
            c.version += 1
            append_event(c, "release_handler", actor_label=f"staff:{by.get_username()}",
                         actor_id=by.pk, at=now,
                         payload={"handler": handler, "reason": reason})
            c.save(update_fields=["handler", "assigned_at", "version", "last_event_seq",
                                  "last_event_hash", "updated_at"])
            tell_staff(unit=c.unit, event=StaffEvent.WORK_ORDER, key=f"{c.number}:{c.version}",
                       user_ids=nearest_managers(c.unit), complaint_id=c.pk,
                       text=f"{zh}，投诉 {c.number} 已退回本机构待派 / {en}; complaint "
                            f"{c.number} is back in the unit's queue: please assign it again.")
            released += 1
    return released


def release_uncovered_work_orders(user: AbstractBaseUser, *, by: AbstractBaseUser) -> int:
    """After a grant of `user` is removed or moved: return to their queues the open complaints
    they handle on units where no handler or manager grant of theirs on an active unit covers
    them any more (they could no longer see or act on them)."""
    from org.choices import Role
    from org.models import RoleGrant

    paths = tuple(RoleGrant.objects.filter(
        user_id=user.pk, role__in=[Role.HANDLER, Role.MANAGER], unit__active=True
    ).values_list("unit__path", flat=True))
    return release_work_orders(user, by=by, reason=ReleaseReason.HANDLER_ROLE_REMOVED,
                               keep_paths=paths)
