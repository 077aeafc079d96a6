"""An agent's override of the quarantine: a held or ignored message (mail or SMS) that a rule
caught although a customer wrote it — a subject a person started with "自动回复:", a member of
staff writing for themselves, a forward whose original sender could not be read — registered as
its channel would have registered it (`receive`: the same customer lookup, acknowledgement,
attachments as evidence, received no later than when it was held), optionally under the
customer address the agent corrects. Who, when and why is recorded on the quarantine row and on
the complaint's timeline, once."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from complaints.errors import ActionError, Conflict, NotFound
from complaints.models import Complaint
from complaints.schemas import CustomerIn
from intake.actions import (
    Inbound,
    IntakeError,
    intake_unit,
    receive,
    record_system_event,
)
from intake.choices import QuarantineStatus
from intake.identifiers import halfwidth
from intake.models import QuarantinedMessage
from org.access import Principal, staff_principal
from org.choices import Role

MAX_REASON = 1000


def quarantine_principal(user: AbstractBaseUser | AnonymousUser) -> Principal | None:
    """Who handles the quarantine: an intake agent of the intake unit (the unit the mail and
    SMS channels register on, or one above it), or staff who may retry it in the admin."""
    principal = staff_principal(user)
    if principal is None:
        return None
    try:
        agent = Role.INTAKE_AGENT in principal.roles_on(intake_unit().path)
    except IntakeError:
        agent = False
    admin = isinstance(user, PermissionsMixin) and user.has_perm("intake.change_quarantinedmessage")
    return principal if agent or admin else None


def held_rows() -> list[QuarantinedMessage]:
    return list(QuarantinedMessage.objects.filter(status=QuarantineStatus.HELD)
                .order_by("-created_at")[:200])


def read(row: QuarantinedMessage, phone: str = "") -> Inbound:
    """The held message as its channel reads it on a retry; an SMS as if sent from `phone`
    when given (its customer is looked up by that number). Raises IntakeError."""
    from intake import mail, sms

    with row.raw.open("rb") as f:
        raw = f.read()
    if row.channel == "email":
        return mail.read_for_retry(raw, row.origin, row.created_at)
    parsed = sms.parse(raw)
    if phone:
        parsed = parsed.model_copy(update={"sender": phone})
    return sms.to_inbound(parsed, raw, row.origin, row.created_at)


def _address(channel: str, value: str) -> str:
    """The corrected customer address (an email, or a phone for an SMS), checked as the
    registration checks it; "" when the agent gave none."""
    value = halfwidth(value)
    if not value:
        return ""
    kind = "email" if channel == "email" else "phone"
    try:
        customer = CustomerIn.model_validate({"name": "-", kind: value})
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ActionError("客户地址无效 / The customer address is not valid",
                          [("address", message)]) from None
    return str(getattr(customer, kind))


def _readdress(msg: Inbound, address: str) -> None:
    """An email as the customer's at `address` (an SMS is read again from the number)."""
    msg.sender = address
    msg.customer = {"name": address.split("@")[0][:200], "email": address,
                    "language": msg.customer.get("language", "zh-Hans")}


def register_held(principal: Principal, row_id: int, *, reason: str,
                  address: str = "") -> Complaint:
    """Register the held message `row_id` as a complaint (or, should it now name an open
    complaint, add it there as its channel would). The row is claimed by a conditional update
    from held in the same transaction, so a second click, a double submit or a colleague at the
    same time finds it handled (409) and nothing is registered twice; a registration that fails
    rolls the claim back and the message stays held."""
    reason = reason.strip()
    row = QuarantinedMessage.objects.filter(pk=row_id).first()
    if row is None:
        raise NotFound("没有这条隔离消息 / No such held message", [("message", "not found")],
                       code="not_found")
    errors = [] if reason else [("reason", "必填：为何将其登记为投诉 / required: why it is "
                                           "registered as a complaint")]
    try:
        address = _address(row.channel, address)
    except ActionError as exc:
        errors += exc.errors
    if errors:
        raise ActionError("请更正标出的字段 / Correct the fields shown", errors)
    now = timezone.now()
    with transaction.atomic():
        claimed = QuarantinedMessage.objects.filter(pk=row.pk, status=QuarantineStatus.HELD) \
            .update(status=QuarantineStatus.RELEASED, handled_by=principal.label[:150],
                    handled_at=now, override_reason=reason[:MAX_REASON], updated_at=now)
        if claimed != 1:
            raise Conflict("这条消息已被处理 / This message was already handled",
                           [("message", "已处理 / already handled")], code="already_handled")
        try:
            was = row.sender or read(row).sender
            msg = read(row, address if row.channel == "sms" else "")
            msg.automatic = msg.hold = ""  # the agent judged that a person wrote it
            if address and row.channel == "email":
                _readdress(msg, address)
            received = receive(msg)
        except (IntakeError, ValidationError) as exc:  # a message registration cannot take
            raise ActionError("无法读取或登记该消息，请在登记页手工登记 / The message cannot be "
                              "read or registered: register it by hand",
                              [("message", str(exc)[:500])]) from None
        complaint = Complaint.objects.get(number=received.number)
        text = (f"隔离消息 Q{row.pk} 由 {principal.label} 人工登记为投诉 / Registered from the "
                f"quarantine (Q{row.pk}) by {principal.label}\n原因 Reason: {reason}\n"
                f"隔离原因 Held because: {row.error}")
        if address:
            text += f"\n客户地址已更正 / Customer address corrected to: {address} " \
                    f"(was {was})"
        complaint = record_system_event(complaint.pk, "note", {"text": text[:4000]},
                                        actor_label=principal.label, actor_id=principal.user_id)
        QuarantinedMessage.objects.filter(pk=row.pk).update(complaint=complaint)
    return complaint
