"""Notices to the complaining customer, in the customer's language, through the outbox."""

import datetime as dt
from collections.abc import Callable

from complaints.models import Complaint, Customer
from notify.models import Channel
from notify.outbox import enqueue

SIGNATURE = {"zh-Hans": "【Tousu银行】", "en": "Tousu Bank: "}
# The Chinese subject of an e-mailed notice (the letter template's subject where one exists).
SUBJECTS_ZH = {
    "acknowledgement": "投诉受理回执", "decline_notice": "投诉不予办理告知",
    "extension_notice": "投诉处理期限延长告知", "pause_notice": "投诉处理期限中止告知",
    "resume_notice": "投诉恢复处理告知", "decision_notice": "投诉处理决定告知",
    "review_decision": "投诉复核决定告知", "portal_code": "投诉查询验证码",
    "review_received": "投诉复核申请收到告知", "referral_notice": "投诉转介告知",
}
# Set by the intake app: (complaint, kind, channel, address, dedupe_key, subject, body, due_at)
# -> the subject and body to send, from the editable letter template, keeping the letter as
# sent. `due_at`, when the caller knows it, saves the letter a read of the deadlines.
LetterHook = Callable[[Complaint, str, str, str, str, str, str, dt.datetime | None],
                      tuple[str, str]]
letter_hook: LetterHook | None = None


def contact_channel(customer: Customer) -> str:
    """How the customer is reached: SMS when there is a phone, else email, else '' (none)."""
    if customer.phone:
        return Channel.SMS
    return Channel.EMAIL if customer.email else ""


def notify_customer(complaint: Complaint, kind: str, *, zh: str, en: str, key: str,
                    due_at: dt.datetime | None = None) -> str:
    """Queue a notice by SMS (or email when there is no phone); returns the channel used, or ''
    when the customer left no contact. `key` makes the same notice idempotent."""
    customer = complaint.customer
    english = customer.language == "en"
    body = (SIGNATURE["en"] + en) if english else (SIGNATURE["zh-Hans"] + zh)
    subject = (f"{complaint.number}: {en.split('.')[0]}" if english
               else f"{SUBJECTS_ZH.get(kind, '投诉通知')} {complaint.number}")
    channel = contact_channel(customer)
    if not channel:
        return ""
    address = customer.phone if channel == Channel.SMS else customer.email
    dedupe_key = f"{kind}:{complaint.number}:{key}"[:120]
    if letter_hook is not None:
        subject, body = letter_hook(complaint, kind, channel, address, dedupe_key, subject, body,
                                    due_at)
    enqueue(kind=kind, channel=channel, address=address, subject=subject[:300], body=body,
            dedupe_key=dedupe_key, complaint_id=complaint.pk)
    return channel
