"""The fields of each lifecycle action. Every action carries the `version` the caller saw."""

from typing import Annotated

from pydantic import AwareDatetime, Field

from clocks.choices import ExtensionCondition
from complaints import choices as ch
from complaints.schemas import Money, OptText, Short, Strict, Text

Reason = Annotated[str, Field(min_length=2, max_length=2000)]


class ActionIn(Strict):
    version: int = Field(ge=1)


class NoteIn(ActionIn):
    text: Text


class DeclineIn(ActionIn):
    reason: ch.DeclineReason
    detail: Reason


class AssignIn(ActionIn):
    unit: str = Field(min_length=1, max_length=32)
    handler: str = Field("", max_length=150)
    reason: str = Field("", max_length=2000)


class ContactIn(ActionIn):
    kind: ch.ContactKind
    summary: Text
    at: AwareDatetime | None = None
    outbound: bool = True


class EvidenceIn(ActionIn):
    name: Short
    content_base64: str = Field(min_length=4)
    description: OptText = ""


class ScheduleVisitIn(ActionIn):
    proposed_at: AwareDatetime
    place: Short
    customer_consent: bool


class RecordVisitIn(ActionIn):
    visit_id: int | None = None
    visited_at: AwareDatetime | None = None
    outcome: Text


class AnswerVisitIn(ActionIn):
    """The customer's answer to a proposed visit: once per visit."""

    visit_id: int
    consent: bool


class NoticeIn(ActionIn):
    """The decision notice: how it was verified, the basis and the reasons (CN Art. 19)."""

    decision: ch.Decision
    verification: Text
    basis: Text
    reasons: Text
    sent_via: ch.ContactKind = ch.ContactKind.SMS
    proof_of_sending: str = Field("", max_length=200)


class ProposeIn(NoticeIn):
    remedy: ch.RemedyKind
    amount: Money | None = None


class ApproveIn(ActionIn):
    comment: OptText = ""


class ReturnIn(ActionIn):
    reason: Reason


class FollowUpResultIn(ActionIn):
    satisfied: bool
    score: int = Field(ge=1, le=5)
    comment: OptText = ""


class RequestReviewIn(ActionIn):
    reason: Reason


class DecideReviewIn(ActionIn):
    outcome: ch.ReviewOutcome
    reasons: Text
    # A changed decision states the new one: reports, letters and redress totals read it.
    decision: ch.Decision | None = None
    remedy: ch.RemedyKind | None = None
    amount: Money | None = None


class ReferIn(ActionIn):
    kind: ch.ReferralKind
    body: Short
    reference: str = Field("", max_length=100)


class ReferralOutcomeIn(ActionIn):
    outcome: Text


class ExtendIn(ActionIn):
    total_days: int = Field(gt=0, le=365)
    reason: Reason
    approver: str = Field(min_length=1, max_length=150)
    # Which clock ("" = the pack's extendable one, e.g. the decision) and what the extender
    # states where the pack's step needs it (Reg E: provisional_credit).
    obligation: str = Field("", max_length=40)
    conditions: list[ExtensionCondition] = Field(default_factory=list, max_length=5)


class PauseIn(ActionIn):
    reason: ch.PauseReason
    detail: Reason


class EscalateIn(ActionIn):
    severity: ch.Severity = ch.Severity.MAJOR
    reason: Reason


class GroupSizeIn(ActionIn):
    group_size: int = Field(ge=1, le=1_000_000)
    # The group came to the bank in person although the complaint reached it otherwise (a call
    # first, the group at the branch the next day): CN Art. 29(2) counts those in person.
    in_person: bool = False
    reason: Reason


class WithdrawIn(ActionIn):
    reason: Reason
    via: ch.Channel


class MergeIn(ActionIn):
    into: str = Field(min_length=1, max_length=24)
    new_facts: bool = False  # the repeat submission brings new facts: the primary's clock restarts


class ReasonIn(ActionIn):
    reason: Reason


class RuleValidityIn(ActionIn):
    validity: ch.Ruling
    reason: Reason


class RootCauseIn(ActionIn):
    root_cause: str = Field(min_length=1, max_length=16)
    note: OptText = ""


ACTION_SCHEMAS: dict[str, type[ActionIn]] = {
    "accept": ApproveIn,
    "decline": DeclineIn,
    "assign": AssignIn,
    "claim": ApproveIn,
    "contact": ContactIn,
    "add_evidence": EvidenceIn,
    "schedule_visit": ScheduleVisitIn,
    "record_visit": RecordVisitIn,
    "answer_visit": AnswerVisitIn,
    "note": NoteIn,
    "propose_resolution": ProposeIn,
    "approve": ApproveIn,
    "return": ReturnIn,
    "respond": NoticeIn,
    "start_follow_up": ApproveIn,
    "follow_up_result": FollowUpResultIn,
    "request_review": RequestReviewIn,
    "decide_review": DecideReviewIn,
    "refer": ReferIn,
    "record_referral_outcome": ReferralOutcomeIn,
    "extend": ExtendIn,
    "pause": PauseIn,
    "resume": ApproveIn,
    "escalate": EscalateIn,
    "record_group_size": GroupSizeIn,
    "withdraw": WithdrawIn,
    "merge": MergeIn,
    "reopen": ReasonIn,
    "rule_validity": RuleValidityIn,
    "tag_root_cause": RootCauseIn,
}
