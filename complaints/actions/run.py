"""Running a lifecycle action: scope, role, version and state checks, then one handler, one
event and one save, all in one transaction."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from clocks import service as clocks
from complaints.action_schemas import ActionIn
from complaints.audit import append_event
from complaints.errors import Conflict, Forbidden, NotFound
from complaints.lifecycle import LIFECYCLE, method_name
from complaints.models import Complaint
from complaints.selectors import access_complaint, may_act
from org.access import Principal
from reports import rollups

ALWAYS_SAVED = {"state", "version", "last_event_seq", "last_event_hash", "updated_at"}


@dataclass
class Ctx:
    principal: Principal
    action: str
    now: dt.datetime
    changed: set[str] = field(default_factory=set)
    meets_clocks: bool = True  # a handler clears it when its act fulfils no duty

    def move(self, complaint: Complaint, to: str | None = None) -> None:
        """Take the lifecycle transition for this action through django-fsm."""
        getattr(complaint, method_name(self.action))(to)


def run_action(principal: Principal, number: str, action: str, params: ActionIn) -> Complaint:
    """Apply `action` to the complaint. Raises NotFound (not visible), Forbidden (role), Conflict
    (stale version or a state the action may not start from) or ActionError (bad fields); on any
    of them nothing is written. The complaint row is locked (select_for_update; on SQLite the
    IMMEDIATE transaction) so two staff acting at once cannot both pass the version check."""
    from complaints.actions.moves import HANDLERS

    if action not in LIFECYCLE:
        raise NotFound("未知操作 / No such action",
                       [("action", f"未知操作 {action!r} / unknown action {action!r}")])
    with transaction.atomic():
        complaint = access_complaint(principal, number, for_update=True)
        if not may_act(principal, complaint, action):
            raise Forbidden(f"You may not {action} this complaint",
                            [("action", "无权执行此操作 / not permitted")], code="forbidden")
        if complaint.version != params.version:
            raise Conflict(
                "The complaint has changed since you read it",
                [("version", f"投诉已被他人修改：您提交的版本为 {params.version}，当前为 "
                             f"{complaint.version}，请刷新后重试 / stale: you sent "
                             f"{params.version}, current is {complaint.version}")],
                code="stale_version",
            )
        if complaint.state not in LIFECYCLE[action].sources:
            raise Conflict(
                f"'{action}' is not allowed while the complaint is {complaint.state}",
                [("action", f"当前状态（{complaint.get_state_display()}）不允许此操作 / not "
                             f"allowed from state {complaint.state}")], code="not_allowed",
            )
        ctx = Ctx(principal=principal, action=action, now=timezone.now())
        payload: dict[str, Any] = HANDLERS[action](ctx, complaint, params)
        if ctx.meets_clocks:
            clocks.on_action(complaint.pk, action, ctx.now)  # e.g. acceptance, first contact met
        complaint.version += 1
        append_event(complaint, action, actor_label=principal.label,
                      actor_id=principal.user_id, at=ctx.now, payload=payload)
        rollups.on_action(complaint)  # the statistics' cells, before the row is saved
        complaint.save(update_fields=sorted(ALWAYS_SAVED | ctx.changed))
    return complaint
