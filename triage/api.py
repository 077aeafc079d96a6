"""Triage endpoints of API v1: decide on a suggestion, classify again, similar resolved cases."""

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from complaints.action_schemas import ActionIn
from complaints.api import ERRORS, complaint_out
from complaints.schemas import ComplaintOut
from complaints.selectors import access_complaint
from org.access import Principal
from triage.actions import decide_suggestion, refresh_suggestions
from triage.schemas import SimilarOut
from triage.similar import similar_cases

router = Router(tags=["triage"])


class DecideIn(ActionIn):
    """Accept or override one suggestion. Leave `label` and `code` empty to accept the best
    option; give a label of the classifier's taxonomy, or an installation code, to choose."""

    head: str = Field(min_length=1, max_length=32)
    label: str = Field("", max_length=200)
    code: str = Field("", max_length=16)


@router.post("/complaints/{number}/suggestions/decide", response={200: ComplaintOut, **ERRORS},
             summary="Accept or override a suggested code")
def decide(request: HttpRequest, number: str, payload: DecideIn) -> ComplaintOut:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    complaint = decide_suggestion(principal, number, version=payload.version, head=payload.head,
                                  label=payload.label, code=payload.code)
    return complaint_out(principal, complaint)


@router.post("/complaints/{number}/suggestions/refresh", response={200: ComplaintOut, **ERRORS},
             summary="Classify again with the active model")
def refresh(request: HttpRequest, number: str) -> ComplaintOut:
    """Pending suggestions are replaced by the active model's; decided ones are kept. Staff
    only: an auditor or an integration may not."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    return complaint_out(principal, refresh_suggestions(principal, number))


@router.get("/complaints/{number}/similar", response={200: list[SimilarOut], **ERRORS},
            summary="Similar resolved cases")
def similar(request: HttpRequest, number: str) -> list[SimilarOut]:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    return similar_cases(principal, access_complaint(principal, number))
