"""Notices to the complaining customer, in the customer's language, through the outbox."""

from complaints.models import Complaint
from notify.models import Channel
from notify.outbox import enqueue

SIGNATURE = {"zh-Hans": "【Tousu银行】", "en": "Tousu Bank: "}


def notify_customer(complaint: Complaint, kind: str, *, zh: str, en: str, key: str) -> str:
    """Queue a notice by SMS (or email when there is no phone); returns the channel used, or ''
    when the customer left no contact. `key` makes the same notice idempotent."""
    customer = complaint.customer
    english = customer.language == "en"
    body = (SIGNATURE["en"] + en) if english else (SIGNATURE["zh-Hans"] + zh)
    subject = f"{complaint.number}: {en.split('.')[0]}" if english else f"{complaint.number} {kind}"
    if customer.phone:
        channel, address = Channel.SMS, customer.phone
    elif customer.email:
        channel, address = Channel.EMAIL, customer.email
    else:
        return ""
    enqueue(kind=kind, channel=channel, address=address, subject=subject[:300], body=body,
            dedupe_key=f"{kind}:{complaint.number}:{key}"[:120], complaint_id=complaint.pk)
    return channel


def notify_staff(complaint: Complaint, user_ids: list[int], kind: str, text: str, key: str) -> None:
    for user_id in sorted(set(user_ids)):
        enqueue(kind=kind, channel=Channel.IN_APP, address="", subject=text[:300], body=text,
                dedupe_key=f"{kind}:{complaint.number}:{key}:{user_id}"[:120],
                complaint_id=complaint.pk, user_id=user_id)
