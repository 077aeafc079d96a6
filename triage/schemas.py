"""Typed output of triage, shown on a complaint (`suggestions` of ComplaintOut)."""

from pydantic import BaseModel, Field


class OptionOut(BaseModel):
    label: str  # in the training taxonomy (a CFPB product, a complaint type id)
    name: str  # what staff read
    code: str  # the installation's code it stands for ("" when none)
    confidence: float


class CodeSuggestionOut(BaseModel):
    head: str  # the classifier: cfpb_product, cfpb_issue, zh_cause
    dimension: str  # the installation dimension it fills (business, cause)
    options: list[OptionOut]  # the top 3, best first
    uncertain: bool  # the best option is below the confidence band: a human should choose
    status: str  # pending, accepted, overridden
    chosen_label: str = ""
    chosen_code: str = ""
    model_version: str


class LinkOut(BaseModel):
    number: str
    score: float  # estimated Jaccard similarity of the texts, 0..1
    kind: str  # duplicate (same customer: merge proposed) or group (another customer)
    proposed_action: str = ""


class TriageOut(BaseModel):
    codes: list[CodeSuggestionOut] = Field(default_factory=list)
    duplicates: list[LinkOut] = Field(default_factory=list)
    pii: list[str] = Field(default_factory=list)  # kinds of identifiers found in the text


class SimilarOut(BaseModel):
    number: str
    score: float  # cosine similarity of the TF-IDF vectors
    codes: dict[str, str]
    decision: str
    remedy: str
    reasons: str  # masked

