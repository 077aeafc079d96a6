"""Letters to the customer from editable bilingual templates, each kept as sent with its proof.

Notices the lifecycle actions queue (acknowledgement, extension, pause, decision, review
decision) pass through `compose_notice`: the template for the notice, the customer's language
and the installation's rule pack replaces the built-in wording, and the letter is stored with
the outbox row that carries it. When the outbox has delivered it, `record_letter_proofs` puts
the gateway's receipt on the complaint's timeline (one `letter_sent` event per letter).
Letters sent by post, read out on a call or handed over are recorded by staff with their proof
(`send_letter`).

Template variables: number, customer_name, received_date, due_date, today, unit, decision,
verification, basis, reasons, remedy, amount, review_outcome, review_reasons,
extension_reason, pause_reason (dates as text in the letter's language; the list a template
is checked against is intake/placeholders.py). In a review decision, decision, remedy and
amount are the changed decision (empty when upheld)."""

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Subquery
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import timezone

from clocks import packs
from clocks import service as clocks
from clocks.models import Deadline
from complaints.choices import PAUSE_WHILE_EN, PauseReason, ReviewOutcome
from complaints.errors import ActionError, Conflict, Forbidden
from complaints.models import Complaint, Resolution, ReviewRequest
from complaints.selectors import access_complaint, may_act
from intake.actions import record_system_event
from intake.choices import OUTBOX_CHANNELS, LetterChannel, LetterKind
from intake.models import Letter, LetterTemplate
from intake.placeholders import VARIABLES, forbidden_tags, unknown_placeholders
from notify.models import Channel, Notification, Status
from notify.outbox import enqueue
from org import cache
from org.access import Principal
from triage.pii import mask_name, mask_text

logger = logging.getLogger(__name__)
ENGINE = Engine(autoescape=False, libraries={}, builtins=["django.template.defaultfilters"])
DUE_OBLIGATIONS = ("decision", "final_response", "cfpb_final_response", "review_decision")
SIGNATURES = {"zh-Hans": "【Tousu银行】", "en": "Tousu Bank: "}


def _date(value: dt.datetime | dt.date | None, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value:%Y年%m月%d日}" if language != "en" else f"{value:%d %B %Y}"


def masked_letter(body: str, name: str) -> str:
    """A letter as staff preview it and the API answers it: the customer's name and identifiers
    masked, as on every page (the letter itself goes out in full; the audited reveal shows them
    to staff)."""
    if name:
        body = body.replace(name, mask_name(name))
    return mask_text(body)


def template_for(kind: str, language: str) -> LetterTemplate | None:
    """The template for this kind and language, for the installation's pack or else any pack
    (cached briefly per process; saving a template clears the cache)."""
    pack = settings.TOUSU_RULE_PACK

    def load() -> LetterTemplate | None:
        rows = {t.pack: t for t in LetterTemplate.objects.filter(
            kind=kind, language=language, pack__in=[pack, ""])}
        return rows.get(pack) or rows.get("")

    found: LetterTemplate | None = cache.remember("letter-template", f"{kind}:{language}:{pack}",
                                                  load)
    return found


# The currency of each rule pack's country. The Chinese templates of the cn packs say
# "人民币{{ amount }}元" themselves; every other letter names the currency with the sum.
CURRENCY = {"cn": "CNY", "cn-emergency": "CNY", "uk-fca": "GBP", "us-cfpb": "USD"}


def _money(amount: Decimal | None, language: str) -> str:
    if amount is None:
        return ""
    pack = packs.get().code
    if language != "en" and pack.startswith("cn"):
        return str(amount)
    return f"{CURRENCY.get(pack, '')} {amount}".strip()


def context_for(c: Complaint, kind: str, due_at: dt.datetime | None = None) -> dict[str, Any]:
    """What a letter of this kind may say about the complaint, read from its records (an
    acknowledgement given its `due_at` reads nothing: it is on the registration hot path)."""
    language = c.customer.language
    ctx: dict[str, Any] = {
        "number": c.number, "customer_name": c.customer.name, "unit": c.unit.name,
        "received_date": _date(c.received_at, language), "today": _date(timezone.now(), language),
    }
    if kind == LetterKind.ACKNOWLEDGEMENT and due_at is not None:
        ctx["due_date"] = _date(due_at, language)
        return ctx
    deadlines = {d.obligation: d for d in Deadline.objects.filter(
        complaint_id=c.pk, obligation__in=DUE_OBLIGATIONS).only(
        "obligation", "due_at", "extensions", "paused_intervals")}
    due = next((deadlines[o] for o in DUE_OBLIGATIONS if o in deadlines), None)
    if kind == LetterKind.REVIEW_DECISION and "review_decision" in deadlines:
        due = deadlines["review_decision"]
    ctx["due_date"] = _date(due.due_at, language) if due else ""
    if kind == LetterKind.EXTENSION_NOTICE and due is not None and due.extensions:
        ctx["extension_reason"] = str(due.extensions[-1].get("reason", ""))
    if kind == LetterKind.PAUSE_NOTICE and due is not None and due.paused_intervals:
        reason = str(due.paused_intervals[-1].get("reason", ""))
        label = dict(PauseReason.choices).get(reason, reason)
        ctx["pause_reason"] = (PAUSE_WHILE_EN.get(reason, label) if language == "en"
                               else label.split(" ", 1)[0])
    if kind == LetterKind.DECISION_NOTICE:
        r = decided_resolution(c)
        if r is not None:
            ctx.update(_decision(r, language), verification=r.verification, basis=r.basis,
                       reasons=r.reasons)
    if kind == LetterKind.REVIEW_DECISION:
        review = decided_review(c)
        if review is not None:
            outcome = review.get_outcome_display()
            ctx.update(review_outcome=outcome.split(" ", 1)[1 if language == "en" else 0],
                       review_reasons=review.reasons)
            changed = decided_resolution(c) if review.outcome == ReviewOutcome.CHANGED else None
            if changed is not None:  # the decision the review changed to
                ctx.update(_decision(changed, language))
    return ctx


def _decision(r: Resolution, language: str) -> dict[str, str]:
    """The decision, remedy and amount of a resolution, in the letter's language."""
    half = 1 if language == "en" else 0
    return {"decision": r.get_decision_display().split(" ", 1)[half],
            "remedy": r.get_remedy_display().split(" ", 1)[half] if r.remedy != "none" else "",
            "amount": _money(r.amount, language)}


def decided_resolution(c: Complaint) -> Resolution | None:
    """The latest decision taken: approved, or one that needed no approval (a proposal that
    awaits approval, or was returned, is no decision)."""
    return c.resolutions.exclude(approved_at__isnull=True, needs_approval=True).order_by(
        "-pk").first()


def decided_review(c: Complaint) -> ReviewRequest | None:
    return c.reviews.filter(decided_at__isnull=False).order_by("-pk").first()


def extended_deadline(c: Complaint) -> Deadline | None:
    return next((d for d in c.deadlines.only("extensions") if d.extensions), None)


def paused_deadline(c: Complaint) -> Deadline | None:
    return next((d for d in c.deadlines.only("paused_intervals", "paused_since")
                 if d.paused_intervals or d.paused_since), None)


# A letter that reports a decision (or an extension, a pause) says nothing until it exists: sent
# before it, it would reach the customer with every section blank.
NEEDS_DECISION: dict[str, tuple[Callable[[Complaint], object], str]] = {
    LetterKind.DECISION_NOTICE: (
        decided_resolution,
        "尚未作出处理决定，不能发送处理决定告知 / No decision has been recorded yet: a decision "
        "notice can be sent only after the decision"),
    LetterKind.REVIEW_DECISION: (
        decided_review,
        "尚未作出复核决定，不能发送复核决定告知 / No review decision has been recorded yet: a "
        "review decision notice can be sent only after the review is decided"),
    LetterKind.EXTENSION_NOTICE: (
        extended_deadline,
        "处理期限未曾延长，不能发送延期告知 / No deadline of this complaint has been extended: "
        "an extension notice can be sent only after an extension"),
    LetterKind.PAUSE_NOTICE: (
        paused_deadline,
        "处理期限未曾中止，不能发送中止告知 / No clock of this complaint has been paused: a "
        "pause notice can be sent only after a pause"),
}


def check_decided(c: Complaint, kind: str) -> None:
    """Refuse a decision, review decision, extension or pause notice while there is nothing
    to tell."""
    if kind in NEEDS_DECISION:
        find, message = NEEDS_DECISION[kind]
        if find(c) is None:
            raise ActionError(message, [("kind", message)], code="no_decision")


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    return ENGINE.from_string(text)


def render(template: LetterTemplate, ctx: dict[str, Any]) -> tuple[str, str]:
    context = Context(ctx, autoescape=False)
    subject = " ".join(_compiled(template.subject).render(context).split())
    body = _compiled(template.body).render(context).strip()
    return subject[:300], body


def check_syntax(text: str) -> None:
    """Raise TemplateSyntaxError when an edited template would not render, or would read a
    placeholder that no letter provides (a misspelt one renders as a gap in the letter)."""
    template = ENGINE.from_string(text)
    tags = forbidden_tags(template)
    if tags:
        raise TemplateSyntaxError(f"信函模板不能使用标签 {', '.join(tags)} / a letter template "
                                  f"cannot use the tag(s) {', '.join(tags)}")
    unknown = unknown_placeholders(template)
    if unknown:
        names = ", ".join(unknown)
        raise TemplateSyntaxError(
            f"未知的占位符 {names}，可用的占位符：{', '.join(sorted(VARIABLES))} / unknown "
            f"placeholder(s) {names}; the letters provide only these")


def compose_notice(c: Complaint, kind: str, channel: str, address: str, dedupe_key: str,
                   subject: str, body: str, due_at: dt.datetime | None = None) -> tuple[str, str]:
    """notify_customer's letter hook: the notice from its template when one exists (else the
    built-in wording), stored as a Letter tied to its outbox row. Returns subject and body."""
    language = c.customer.language
    template = template_for(kind, language) if kind in LetterKind.values else None
    if template is not None:
        try:
            subject, text = render(template, context_for(c, kind, due_at))
            body = SIGNATURES.get(language, "") + text
        except Exception:  # a template must never stop the action that sends the notice
            logger.exception("letter template %s failed; the built-in wording is sent", template)
            template = None
    if kind in LetterKind.values:
        Letter.objects.bulk_create([Letter(
            complaint=c, kind=kind, language=language, channel=channel, address=address[:500],
            subject=subject[:300], body=body, sha256=hashlib.sha256(body.encode()).hexdigest(),
            template=template, template_version=template.version if template else None,
            dedupe_key=dedupe_key, created_by="system",
        )], ignore_conflicts=True)
    return subject, body


def preview(c: Complaint, kind: str) -> tuple[str, str, LetterTemplate | None]:
    """The letter as it would be sent now. Raises ActionError (on `kind`) when there is no
    template, or no decision yet for a letter that reports one."""
    check_decided(c, kind)
    language = c.customer.language
    template = template_for(kind, language)
    if template is None:
        raise ActionError("没有此函件的模板 / No template for this letter",
                          [("kind", f"没有 {kind} 的 {language} 模板 / no {kind} template in "
                                    f"{language}")])
    try:
        subject, text = render(template, context_for(c, kind))
    except Exception as exc:  # saved before the admin checked it: the staff see why, not a 500
        message = ("此函件的模板无法生成，请系统管理员修改 / The template of this letter cannot "
                   "be rendered: an administrator must correct it")
        raise ActionError(message, [("kind", message)]) from exc
    return subject, text, template


def send_letter(principal: Principal, number: str, *, kind: str, channel: str, version: int,
                proof: str = "") -> Letter:
    """Send a letter from its template. By SMS or email it goes through the outbox and reaches
    the timeline once delivered, with the gateway's receipt; by post, call or hand delivery the
    member of staff gives the proof (post reference, call record, signed receipt) and it goes
    on the timeline at once. Needs the right to contact the customer. Sending it again is a
    resend (its event names the earlier letter), refused with a Conflict while the same letter
    is still in the outbox, or by post with the same proof."""
    with transaction.atomic():
        c = access_complaint(principal, number, for_update=True)
        if not may_act(principal, c, "contact"):
            raise Forbidden("You may not write to this customer",
                            [("number", "无权执行此操作 / not permitted")], code="forbidden")
        if c.version != version:
            raise Conflict("The complaint has changed since you read it",
                           [("version", f"投诉已被他人修改：您提交的版本为 {version}，当前为 "
                                        f"{c.version}，请刷新后重试 / stale: you sent "
                                        f"{version}, current is {c.version}")],
                           code="stale_version")
        subject, text, template = preview(c, kind)
        language = c.customer.language
        body = SIGNATURES.get(language, "") + text if channel in OUTBOX_CHANNELS else text
        letter = Letter(complaint=c, kind=kind, language=language, channel=channel,
                        subject=subject, body=body,
                        sha256=hashlib.sha256(body.encode()).hexdigest(), template=template,
                        template_version=template.version if template else None,
                        created_by=principal.label[:150])
        if channel in OUTBOX_CHANNELS:
            address = c.customer.phone if channel == LetterChannel.SMS else c.customer.email
            if not address:
                raise ActionError("客户没有此方式的地址 / The customer has no address for "
                                  "this channel",
                                  [("channel", f"客户没有此方式的地址 / no {channel} address on "
                                               "file")])
            letter.address = address
            _refuse_while_in_outbox(c, kind, channel, address)
            letter.dedupe_key = _outbox_key(c, kind)
            letter.save()
            enqueue(kind=kind, channel=Channel.SMS if channel == LetterChannel.SMS
                    else Channel.EMAIL, address=address, subject=subject, body=body,
                    dedupe_key=letter.dedupe_key, complaint_id=c.pk)
            return letter
        if len(proof.strip()) < 2:
            raise ActionError("须填写发送凭证 / Proof of sending is required",
                              [("proof", "请填写邮寄单号、通话记录号或签收单 / post "
                                           "reference, call record or receipt")])
        _refuse_same_proof(c, kind, channel, proof.strip()[:200])
        now = timezone.now()
        letter.proof, letter.sent_at, letter.recorded_at = proof.strip()[:200], now, now
        letter.save()
        if kind == LetterKind.DECISION_NOTICE:
            days = settings.TOUSU_POST_DELIVERY_DAYS if channel == LetterChannel.POST else 0
            clocks.review_window_from_receipt(c.pk, now + dt.timedelta(days=days))
        record_system_event(c.pk, "letter_sent", _payload(letter),
                            actor_label=principal.label, actor_id=principal.user_id)
    return letter


def _local(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def _outbox_key(c: Complaint, kind: str) -> str:
    """The outbox key of a letter sent now: one per complaint, kind and version, and for a
    resend (the version is unchanged: delivery does not move it) a numbered one after it."""
    base = f"letter:{c.number}:{kind}:{c.version}"
    sent = Letter.objects.filter(Q(dedupe_key=base) | Q(dedupe_key__startswith=f"{base}:"),
                                 complaint=c).count()
    return base if not sent else f"{base}:resend{sent}"


def _refuse_while_in_outbox(c: Complaint, kind: str, channel: str, address: str) -> None:
    """A resend is for a letter the customer did not get; while the same letter to the same
    address still waits in the outbox, a second one would only arrive twice."""
    keys = Letter.objects.filter(complaint=c, kind=kind, channel=channel, address=address,
                                 dedupe_key__isnull=False).values("dedupe_key")
    waiting = Notification.objects.filter(
        dedupe_key__in=Subquery(keys), status__in=[Status.PENDING, Status.SENDING],
    ).order_by("-created_at").first()
    if waiting is not None:
        raise Conflict(
            f"此函件已于 {_local(waiting.created_at)} 发出，正在投递，请待投递结果后再重发 / "
            f"This letter was sent at {_local(waiting.created_at)} and the outbox is still "
            "delivering it: resend it once it is delivered or has failed",
            [("channel", f"已于 {_local(waiting.created_at)} 发出，正在投递 / already sent at "
                         f"{_local(waiting.created_at)}; being delivered")],
            code="letter_in_outbox")


def _refuse_same_proof(c: Complaint, kind: str, channel: str, proof: str) -> None:
    """A letter by post, call or hand is recorded once per proof: the same proof again is the
    same letter (a form sent twice); a resend has a proof of its own."""
    earlier = Letter.objects.filter(complaint=c, kind=kind, channel=channel, proof=proof) \
        .order_by("-pk").first()
    if earlier is not None:
        raise Conflict(
            f"此凭证的函件已于 {_local(earlier.created_at)} 记录 / A letter with this proof "
            f"was already recorded at {_local(earlier.created_at)}",
            [("proof", f"已于 {_local(earlier.created_at)} 记录；重发请填写新的凭证 / already "
                       "recorded; a resend needs its own proof")],
            code="letter_recorded")


def _payload(letter: Letter) -> dict[str, Any]:
    payload = {"letter_id": letter.pk, "kind": letter.kind, "channel": letter.channel,
               "language": letter.language, "proof": letter.proof, "sent_at": letter.sent_at,
               "sha256": letter.sha256, "template_version": letter.template_version}
    earlier = Letter.objects.filter(complaint_id=letter.complaint_id, kind=letter.kind,
                                    pk__lt=letter.pk).order_by("-pk").values_list("pk",
                                                                                  flat=True)
    resend_of = earlier.first()
    if resend_of is not None:
        payload["resend_of"] = resend_of  # an earlier letter of the same kind
    return payload


def record_letter_proofs(limit: int = 500) -> int:
    """Put every delivered (or finally failed) outbox letter on its complaint's timeline, once:
    the letter row is claimed with a conditional update that only one worker can win."""
    waiting = Letter.objects.filter(recorded_at__isnull=True,
                                    channel__in=list(OUTBOX_CHANNELS)).values("dedupe_key")
    outcomes = list(Notification.objects.filter(
        dedupe_key__in=Subquery(waiting), status__in=[Status.SENT, Status.FAILED],
    ).order_by("pk").values_list("dedupe_key", "status", "proof", "sent_at", "last_error")[:limit])
    recorded = 0
    for key, status, proof, sent_at, error in outcomes:
        sent = status == Status.SENT
        with transaction.atomic():
            won = Letter.objects.filter(dedupe_key=key, recorded_at__isnull=True).update(
                recorded_at=timezone.now(), proof=(proof if sent else "")[:200],
                sent_at=sent_at if sent else None)
            if not won:
                continue  # another worker recorded it
            letter = Letter.objects.get(dedupe_key=key)
            payload = _payload(letter)
            if not sent:
                payload["error"] = error[:500]
            record_system_event(letter.complaint_id, "letter_sent" if sent else "letter_failed",
                                payload, actor_label="system", bump_version=False)
        recorded += 1
    return recorded
