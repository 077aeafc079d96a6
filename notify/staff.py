"""Telling staff: in-app notices to the people an event concerns, and the extra deliveries a
unit has subscribed to (email to those people, or its group-chat robots). Every notice goes
through the outbox with a dedupe key, so it is sent once however often it is raised."""

import hashlib
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

from notify.models import Channel
from notify.outbox import enqueue
from org.choices import Role, StaffChannel, StaffEvent, UnitKind
from org.models import OrgUnit, RoleGrant, Subscription
from triage.pii import mask_text

if TYPE_CHECKING:
    from complaints.models import Complaint

MANAGING = (Role.MANAGER, Role.CONSUMER_PROTECTION)
# The customer wrote about an open complaint. In-app only: no unit can subscribe to it (it is
# not a StaffEvent), so it reaches the people looking after the complaint and nobody else.
CUSTOMER_WROTE = "customer_wrote"


def ancestor_paths(unit: OrgUnit) -> list[str]:
    """The paths of the unit and every unit above it, root first."""
    codes = unit.path.strip("/").split("/")
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def unit_managers(unit: OrgUnit) -> list[int]:
    """Managers and consumer-protection officers granted on the unit itself."""
    return sorted(set(RoleGrant.objects.filter(unit=unit, role__in=MANAGING)
                      .values_list("user_id", flat=True)))


def major_complaint_recipients(unit: OrgUnit) -> list[int]:
    """The unit's managers, the managers of every unit above it up to its branch, and the
    branch's consumer-protection officers (for a unit above any branch: its own)."""
    paths = ancestor_paths(unit)
    chain = {u.path: u for u in OrgUnit.objects.filter(path__in=paths)}
    branch = next((chain[p] for p in reversed(paths)
                   if p in chain and chain[p].kind == UnitKind.BRANCH), unit)
    levels = [p for p in paths if p.startswith(branch.path)]
    managers = RoleGrant.objects.filter(role=Role.MANAGER, unit__path__in=levels)
    officers = RoleGrant.objects.filter(role=Role.CONSUMER_PROTECTION, unit=branch)
    return sorted({*managers.values_list("user_id", flat=True),
                   *officers.values_list("user_id", flat=True)})


def tell_staff(*, unit: OrgUnit, event: str, text: str, key: str, user_ids: list[int],
               complaint_id: int | None = None) -> None:
    """In-app notices to `user_ids`, then the unit's subscriptions to `event` (its own, and
    those of the units above it that cover their subtree). Staff's free text in it (a transfer's
    or an escalation's reason) is masked: it leaves the workspace, to mailboxes and chat robots."""
    text = mask_text(text)
    people = dict(get_user_model().objects.filter(pk__in=user_ids, is_active=True)
                  .values_list("pk", "email"))
    for user_id in sorted(people):
        enqueue(kind=event, channel=Channel.IN_APP, address="", subject=text[:300], body=text,
                dedupe_key=f"{event}:{key}:u{user_id}"[:120], complaint_id=complaint_id,
                user_id=user_id)
    subscriptions = Subscription.objects.filter(
        active=True, event=event, unit__path__in=ancestor_paths(unit)
    ).select_related("unit")
    emails = {pk: email for pk, email in sorted(people.items()) if email}
    for sub in subscriptions:
        if not sub.subtree and sub.unit_id != unit.pk:
            continue
        if sub.channel == StaffChannel.IN_APP:
            continue  # in-app notices were sent above
        if sub.channel == StaffChannel.EMAIL:
            for user_id, email in emails.items():
                enqueue(kind=event, channel=Channel.EMAIL, address=email, subject=text[:300],
                        body=text, dedupe_key=f"{event}:{key}:e{user_id}"[:120],
                        complaint_id=complaint_id, user_id=user_id)
            continue
        enqueue(kind=event, channel=sub.channel, address=sub.webhook_url, subject=text[:300],
                body=text, dedupe_key=f"{event}:{key}:s{sub.pk}"[:120],
                complaint_id=complaint_id, subscription_id=sub.pk)


def announce_major(complaint: "Complaint", reason: str) -> None:
    """A major complaint reaches the people who answer for it, once per complaint."""
    tell_staff(unit=complaint.unit, event=StaffEvent.MAJOR, key=complaint.number,
               user_ids=major_complaint_recipients(complaint.unit), complaint_id=complaint.pk,
               text=f"重大投诉 Major complaint {complaint.number} ({complaint.unit.name}): "
                    f"{reason}")


def nearest_managers(unit: OrgUnit) -> list[int]:
    """The managers of the unit, else of the nearest unit above it that has any."""
    chain = OrgUnit.objects.filter(path__in=ancestor_paths(unit)).order_by("-path")
    for level in chain:
        managers = unit_managers(level)
        if managers:
            return managers
    return []


def tell_customer_wrote(complaint: "Complaint", *, channel: str, message_key: str,
                        different_sender: bool) -> None:
    """The complaint's handler (with none: the unit's managers) learns that a message was added
    to it, once per message."""
    if complaint.handler_id:
        recipients = [complaint.handler_id]
    else:
        recipients = nearest_managers(complaint.unit)
    who = "客户来信" if not different_sender else "他人来信（发件人不是投诉人本人）"
    whom = "The customer wrote" if not different_sender else \
        "A message from a different sender (not the customer) was added"
    text = f"{who} {whom}: {complaint.number} ({channel})"
    digest = hashlib.sha256(message_key.encode()).hexdigest()[:16]
    tell_staff(unit=complaint.unit, event=CUSTOMER_WROTE, key=f"{complaint.number}:{digest}",
               user_ids=recipients, complaint_id=complaint.pk, text=text)


# Steps of a complaint's own workflow. In-app only, like CUSTOMER_WROTE: not StaffEvents, so no
# unit subscribes to them and they reach only the people who must act.
APPROVAL_NEEDED = "approval_needed"
RETURNED = "returned"
REVIEW_REQUESTED = "review_requested"


def managers_above(unit: OrgUnit) -> list[int]:
    """The nearest managers above the unit (for a root unit: its own)."""
    parent = unit.parent
    return nearest_managers(parent) if parent else unit_managers(unit)


def tell_approvers(complaint: "Complaint", *, level: str, proposer_id: int | None,
                   resolution_id: int) -> None:
    """A proposal awaits approval: its approvers (one level up where its amount needs that)
    learn it, never the proposer (four eyes)."""
    unit = complaint.unit
    approvers = managers_above(unit) if level == "above" else nearest_managers(unit)
    tell_staff(unit=unit, event=APPROVAL_NEEDED, key=f"{complaint.number}:r{resolution_id}",
               user_ids=[u for u in approvers if u != proposer_id], complaint_id=complaint.pk,
               text=f"处理方案待您审批 A proposal awaits your approval: {complaint.number}")


def tell_returned(complaint: "Complaint", *, reason: str, resolution_id: int) -> None:
    """A proposal was returned for rework: its handler learns why."""
    if not complaint.handler_id:
        return
    tell_staff(unit=complaint.unit, event=RETURNED, key=f"{complaint.number}:r{resolution_id}",
               user_ids=[complaint.handler_id], complaint_id=complaint.pk,
               text=f"处理方案被退回 Proposal returned for rework: {complaint.number}: {reason}")


def tell_review_requested(complaint: "Complaint") -> None:
    """The customer asked for a review: the handler and the managers above, who decide it."""
    people = [*managers_above(complaint.unit)]
    if complaint.handler_id:
        people.append(complaint.handler_id)
    tell_staff(unit=complaint.unit, event=REVIEW_REQUESTED,
               key=f"{complaint.number}:v{complaint.version}", user_ids=people,
               complaint_id=complaint.pk,
               text=f"客户申请复核 The customer requested a review: {complaint.number}")
