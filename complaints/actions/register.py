"""Registering a complaint: the first action of every channel."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from clocks import rules
from clocks import service as clocks
from clocks.models import Deadline
from complaints import crypto
from complaints.audit import seal_event
from complaints.choices import (
    IN_PERSON_CHANNELS,
    REGULATOR_SOURCES,
    Channel,
    Severity,
    State,
)
from complaints.errors import ActionError, Conflict, Forbidden
from complaints.lifecycle import STAFF
from complaints.models import Complaint, Customer
from complaints.numbers import local_today, next_number
from complaints.schemas import ComplaintIn, CustomerIn
from notify.customer import contact_channel, notify_customer
from notify.staff import announce_major
from org.access import INTEGRATION, Principal, unit_by_code, unit_by_path
from org.models import OrgUnit
from org.routing import route
from reports import rollups
from triage.codes import unknown_codes
from triage.service import read_complaint, record_triage
from triage.signals import Signal, group_signal, read_signals, severity_for

REPEAT_WINDOW = dt.timedelta(days=180)
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def request_fingerprint(body: bytes) -> str:
    try:
        normalised = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        normalised = body
    return hashlib.sha256(normalised).hexdigest()


def _unit_field(code: str, field: str) -> OrgUnit | None:
    if not code:
        return None
    unit = unit_by_code(code)
    if unit is None:
        raise ActionError("未知机构 / Unknown unit",
                          [(field, f"没有启用中的机构 {code!r} / no active org unit {code!r}")])
    return unit


def _responsible_unit(principal: Principal, data: ComplaintIn) -> tuple[OrgUnit, OrgUnit | None]:
    """The unit that answers for the complaint (routing rules, else the unit named in it, else
    the registrar's own unit) and the customer's account branch. The registrar must be allowed
    to register where it acts (the named unit or its own); routing may send the complaint
    anywhere in the bank."""
    intake = _registering_unit(principal, data)
    branch = _unit_field(data.account_branch, "account_branch")
    routed = route(named_unit=intake if data.unit else None, account_branch=branch,
                   product=data.product, codes=data.codes)
    return routed or intake, branch


def _registering_unit(principal: Principal, data: ComplaintIn) -> OrgUnit:
    if principal.api_key_id is not None and not principal.has_scope("complaints:create"):
        raise Forbidden("此 API 密钥无登记投诉的权限 / This API key may not register complaints",
                        [("Authorization", "缺少权限范围 complaints:create / missing scope "
                                           "complaints:create")], code="forbidden")
    unit = _unit_field(data.unit, "unit")
    if unit is None:
        home = next((p for r, p in principal.grants if r in STAFF or r == INTEGRATION), None)
        if home is None:
            raise Forbidden("无登记投诉的权限 / You may not register complaints",
                            [("unit", "无登记投诉的权限 / no registering role")])
        unit = unit_by_path(home)
        if unit is None:
            raise Forbidden("所在机构已停用 / Your unit is inactive",
                             [("unit", "所在机构已停用 / inactive unit")])
    roles = principal.roles_on(unit.path)
    allowed = (INTEGRATION in roles and principal.has_scope("complaints:create")) or (
        principal.api_key_id is None and roles & STAFF
    )
    if not allowed:
        raise Forbidden("无权为此机构登记投诉 / You may not register complaints for this unit",
                        [("unit", "超出您的权限范围 / outside your scope")])
    return unit


# Remote channels: the customer is answered by phone or email, so one of them is needed (at a
# counter, on a visit, by letter or through the regulator the answer can go another way).
NEEDS_CONTACT = {Channel.PHONE, Channel.SMS, Channel.EMAIL, Channel.WEB, Channel.MOBILE,
                 Channel.API}


def _validate(data: ComplaintIn, now: dt.datetime) -> None:
    problems = unknown_codes(data.codes)
    if data.received_at and data.received_at > now + FUTURE_TOLERANCE:
        problems.append(("received_at", "不能晚于当前时间 / is in the future"))
    max_age = settings.TOUSU_MAX_RECEIVED_AGE_DAYS
    if data.received_at and data.received_at < now - dt.timedelta(days=max_age):
        problems.append(("received_at", f"早于 {max_age} 天前，请核对日期 / more than {max_age} "
                                        "days ago: check the date"))
    if data.regulator_due and data.source not in REGULATOR_SOURCES:
        problems.append(("regulator_due", "仅用于监管转办的投诉（来源为 regulator_nfra 或 "
                                          "regulator_pboc） / only for a complaint the regulator "
                                          "transferred (source regulator_nfra or regulator_pboc)"))
    elif data.regulator_due and data.regulator_due < (data.received_at or now):
        problems.append(("regulator_due", "监管要求反馈期限早于收到时间，请核对日期 / the "
                                          "regulator's deadline is before the complaint was "
                                          "received: check the date"))
    if data.channel in NEEDS_CONTACT and not data.customer.phone and not data.customer.email:
        problems.append(("customer.phone", "须登记至少一种联系方式（电话或邮箱） / give at least "
                                           "one contact: phone or email"))
    if problems:
        raise ActionError("投诉登记信息有误 / Invalid complaint", problems)


def _customer(data: CustomerIn) -> tuple[Customer, bool, list[str]]:
    """The known customer with this ID number and name (or this name and phone), brought up to
    date with what the customer gave this time, else a new one; and what was updated. The
    same ID number under another name is another person, or a mistyped number: never merged."""
    id_hash = crypto.lookup_hash(data.id_number)
    existing = None
    if id_hash:
        existing = Customer.objects.filter(id_hash=id_hash, name=data.name).first()
    elif data.phone:
        existing = Customer.objects.filter(phone_hash=crypto.phone_hash(data.phone),
                                           name=data.name).first()
    if existing:
        return existing, True, _update_contact(existing, data)
    customer = Customer(
        name=data.name, id_number_enc=crypto.encrypt(data.id_number), id_hash=id_hash,
        language=data.language, vulnerable=[str(v) for v in data.vulnerable],
        age_band=data.age_band, representative_name=data.representative_name,
        representative_kind=data.representative_kind,
        representative_proof=data.representative_proof,
    )
    customer.phone, customer.email = data.phone, data.email  # encrypted as they are set
    customer.save(force_insert=True)
    return customer, False, []


def _update_contact(customer: Customer, data: CustomerIn) -> list[str]:
    """Keep a returning customer's newest contact details, language and needs (a new phone
    number is where this complaint's notices and one-time codes must go). Only what this
    registration states explicitly: a field left out keeps what is known."""
    given = data.model_fields_set
    changes: dict[str, Any] = {}
    if data.phone and data.phone != customer.phone:
        changes["phone"] = data.phone
    if data.email and data.email != customer.email:
        changes["email"] = data.email
    if "language" in given and data.language != customer.language:
        changes["language"] = data.language
    needs = sorted(set(customer.vulnerable) | {str(v) for v in data.vulnerable})
    if needs != sorted(customer.vulnerable):
        changes["vulnerable"] = needs
    for name in ("age_band", "representative_name", "representative_kind",
                 "representative_proof"):
        if getattr(data, name) and getattr(data, name) != getattr(customer, name):
            changes[name] = getattr(data, name)
    for name, value in changes.items():
        setattr(customer, name, value)
    if changes:
        stored = {"phone": ["phone_enc", "phone_hash"], "email": ["email_enc"]}
        customer.save(update_fields=[f for name in changes for f in stored.get(name, [name])])
    return sorted(changes)


@dataclass(frozen=True)
class Registered:
    complaint: Complaint
    created: bool  # False: an earlier request with the same idempotency key registered it
    deadlines: list[Deadline] | None = None  # the new complaint's, to answer without a query


def register_complaint(
    principal: Principal, data: ComplaintIn, *, idempotency_key: str, request_hash: str
) -> Registered:
    """Register a complaint, or return the one already registered under this idempotency key.
    The complaint, its first event, its deadline and its acknowledgement are committed
    together before this returns."""
    scope = principal.label[:64]
    now = timezone.now()
    _validate(data, now)
    unit, account_branch = _responsible_unit(principal, data)
    against = None
    if data.staff_complained_about:
        against = get_user_model().objects.filter(username=data.staff_complained_about).first()
        if against is None:
            raise ActionError("未知员工 / Unknown staff member",
                              [("staff_complained_about", "无此员工 / no such user")])
    received_at = data.received_at or now
    text = f"{data.content}\n{data.claim}"
    signals = read_signals(text, data.amount)
    in_person = data.channel in IN_PERSON_CHANNELS
    counted = group_signal(data.group_size, in_person)
    if counted:  # the number recorded says more than a word for a group in the text
        signals = [s for s in signals if s.name != "group"] + [counted]
    reading = read_complaint(data.content, data.claim, now)  # CPU work, before any lock
    # Issued in its own statement before the transaction (unless the caller holds one): the
    # counter row is every registration's, and inside the transaction its lock would be held
    # until commit, queueing all registrations behind each other. A registration that fails
    # afterwards leaves a gap, which numbering allows.
    number = next_number(local_today(now))
    try:
        with transaction.atomic():
            customer, known, updated = _customer(data.customer)
            if known and Complaint.objects.filter(
                customer=customer, received_at__gte=received_at - REPEAT_WINDOW
            ).exists():
                signals.append(Signal("repeat", "same customer within 180 days"))
            if data.customer.vulnerable and not any(s.name == "vulnerable" for s in signals):
                signals.append(Signal("vulnerable", ",".join(data.customer.vulnerable)))
            complaint = Complaint(
                number=number, channel=data.channel, source=data.source,
                external_ref=data.external_ref, received_at=received_at, registered_at=now,
                customer=customer, unit=unit, account_branch=account_branch,
                product=data.product, content=data.content,
                claim=data.claim, amount=data.amount, group_size=data.group_size,
                codes=data.codes,
                tags=sorted({s.name for s in signals} | set(data.clock_flags)),
                signals=[{"name": s.name, "evidence": s.evidence} for s in signals],
                severity=severity_for(signals, data.source in REGULATOR_SOURCES,
                                      group_size=data.group_size, in_person=in_person),
                staff_complained_about=against, state=State.REGISTERED,
                created_by=principal.label, idempotency_scope=scope,
                idempotency_key=idempotency_key, request_hash=request_hash,
            )
            due_at = rules.decision_due(received_at, flags=complaint.tags)
            event = seal_event(
                complaint, "register", actor_label=principal.label, actor_id=principal.user_id,
                at=now, payload={"channel": data.channel, "source": data.source,
                                 "unit": unit.code, "severity": complaint.severity,
                                 "tags": complaint.tags, "decision_due": due_at,
                                 "acknowledged_by": contact_channel(customer),
                                 "customer_updated": updated,
                                 **({"group_size": data.group_size} if data.group_size else {}),
                                 **({"regulator_due": data.regulator_due}
                                    if data.regulator_due else {})},
            )
            complaint.save()
            event.complaint = complaint
            event.save()
            record_triage(complaint, reading)  # suggested codes, near-duplicates, PII kinds
            deadlines = clocks.open_receipt_clocks(complaint, received_at, due_at)
            if data.regulator_due:
                deadlines = sorted(
                    [*deadlines, clocks.track_regulator_due(complaint.pk, received_at,
                                                            data.regulator_due)],
                    key=lambda d: (d.due_at, d.pk or 0))
            _acknowledge(complaint, due_at)
            if complaint.severity == Severity.MAJOR:
                announce_major(complaint, ", ".join(
                    f"{s['name']}: {s['evidence']}" for s in complaint.signals) or complaint.source)
            # Last: the statistics' cells are shared by all registrations alike, so their row
            # locks are held only from here to the commit.
            rollups.on_register(complaint)
    except IntegrityError:
        # A retry: the unique idempotency constraint refused a second complaint for this key.
        # Checking afterwards, not before, keeps the first request (the common one) to a write.
        earlier = (
            Complaint.objects.filter(idempotency_scope=scope, idempotency_key=idempotency_key)
            .exclude(idempotency_key="")  # lets SQLite use the partial unique index
            .order_by().first()
            if idempotency_key else None
        )
        if earlier is None:
            _refuse_known_reference(data)
            raise
        if earlier.request_hash != request_hash:
            raise Conflict("Idempotency-Key was used with a different body",
                           [("Idempotency-Key",
                             "已用于不同的请求内容 / reused with a different request body")],
                           code="idempotency_mismatch") from None
        return Registered(earlier, created=False)
    return Registered(complaint, created=True, deadlines=deadlines)


def _refuse_known_reference(data: ComplaintIn) -> None:
    """A regulator's reference is registered once (unique constraint): name the complaint."""
    if data.source not in REGULATOR_SOURCES or not data.external_ref:
        return
    known = Complaint.objects.filter(source=data.source, external_ref=data.external_ref) \
        .values_list("number", flat=True).first()
    if known:
        raise Conflict(f"此外部编号已登记为 {known} / This {data.source} reference is already "
                       f"registered as {known}",
                       [("external_ref", f"已登记为 {known} / already registered as {known}")],
                       code="duplicate_reference") from None


def _acknowledge(complaint: Complaint, due_at: dt.datetime) -> str:
    due = clocks.in_pack_zone(due_at).date()
    return notify_customer(
        complaint, "acknowledgement",
        zh=f"您的投诉已登记，编号{complaint.number}。我们将于{due:%Y年%m月%d日}前作出处理决定并告知您。",
        en=f"Your complaint has been registered as {complaint.number}. "
           f"We will give you our decision by {due:%d %B %Y}.",
        key="1", due_at=due_at,
    )
