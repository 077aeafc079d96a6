"""The subject-access export: everything held about one customer, as JSON."""

import datetime as dt
from decimal import Decimal
from typing import Any

from complaints import crypto
from complaints.models import Complaint, Customer
from privacy.models import AnonymisedCustomer

FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


def _rows(queryset: Any, fields: list[str]) -> list[dict[str, Any]]:
    return [{f: _plain(v) for f, v in row.items()} for row in queryset.values(*fields)]


def find_customer(ref: str, by: str = "auto") -> Customer | None:
    """The customer named by a tracking number (TS-…), an ID number, or the customer's id."""
    ref = ref.strip()
    if by == "auto":
        by = ("number" if ref.upper().startswith("TS-")
              else "id-number" if len(ref) in (15, 18) else "customer")
    if by == "number":
        complaint = Complaint.objects.select_related("customer").filter(number=ref.upper()).first()
        return complaint.customer if complaint else None
    if by == "id-number":
        digest = crypto.lookup_hash(ref)
        return Customer.objects.filter(id_hash=digest).first() if digest else None
    return Customer.objects.filter(pk=int(ref)).first() if ref.isdigit() else None


def customer_data(customer: Customer) -> dict[str, Any]:
    """The customer's own data: identifiers (unmasked), every complaint with what they wrote
    and what they were told — contacts, visits, decisions, letters and notices, surveys,
    reviews, referrals, evidence (metadata) — and the timeline's steps. Staff's internal notes
    and the payloads of internal events are not the customer's data and are left out."""
    complaints = []
    for c in Complaint.objects.filter(customer=customer).select_related("unit").order_by("pk"):
        complaints.append({
            "number": c.number, "channel": c.channel, "source": c.source,
            "received_at": _plain(c.received_at), "state": c.state, "unit": c.unit.name,
            "product": c.product, "content": c.content, "claim": c.claim,
            "amount": _plain(c.amount), "closed_at": _plain(c.closed_at),
            "retention_until": _plain(c.retention_until),
            "timeline": [{"step": e.type, "at": _plain(e.at), "state": e.state_after}
                         for e in c.events.order_by("seq")],
            "contacts": _rows(c.contacts.order_by("at"), ["kind", "at", "outbound", "summary"]),
            "visits": _rows(c.visits.order_by("proposed_at"),
                            ["proposed_at", "place", "customer_consent", "visited_at",
                             "outcome"]),
            "decisions": _rows(c.resolutions.exclude(approved_at=None, needs_approval=True)
                               .order_by("proposed_at"),
                               ["decision", "remedy", "amount", "verification", "basis",
                                "reasons", "proposed_at"]),
            "letters": _rows(c.letters.order_by("pk"),
                             ["kind", "channel", "address", "subject", "body", "sent_at"]),
            "notices": _rows(c.notifications.filter(user=None, subscription=None)
                             .exclude(kind="portal_code").order_by("pk"),
                             ["kind", "channel", "address", "subject", "body", "sent_at"]),
            "surveys": _rows(c.surveys.order_by("at"), ["score", "satisfied", "comment", "at"]),
            "reviews": _rows(c.reviews.order_by("requested_at"),
                             ["requested_at", "reason", "decided_at", "outcome", "reasons"]),
            "referrals": _rows(c.referrals.order_by("referred_at"),
                               ["kind", "body", "reference", "referred_at", "outcome",
                                "outcome_at"]),
            "evidence": _rows(c.attachments.order_by("uploaded_at"),
                              ["name", "content_type", "size", "sha256", "uploaded_at"]),
        })
    return {
        "format": "tousu-subject-access", "version": FORMAT_VERSION,
        "anonymised": AnonymisedCustomer.objects.filter(customer=customer).exists(),
        "customer": {
            "name": customer.name, "phone": customer.phone, "email": customer.email,
            "id_number": crypto.decrypt(customer.id_number_enc),
            "language": customer.language, "age_band": customer.age_band,
            "vulnerable": customer.vulnerable,
            "representative": {"name": customer.representative_name,
                               "kind": customer.representative_kind,
                               "proof": customer.representative_proof},
            "created_at": _plain(customer.created_at),
        },
        "complaints": complaints,
    }
