"""From a training taxonomy to the installation's classification codes (triage/codes.py).

Each classifier ("head") is trained on its data's own labels (CFPB products, CFPB issues, the
complaint types of zh_heimao); this map says which installation dimension a head fills and which
code each label stands for. A label with no code is still suggested (staff see it) but sets no
code when accepted. An installation replaces or extends the map with a JSON file named by
$TOUSU_TRIAGE_MAP: {"head": {"dimension": "...", "codes": {"label": "code"}}}."""

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from triage import data as d
from triage.codes import DIMENSIONS


@dataclass(frozen=True)
class HeadMap:
    dimension: str
    codes: dict[str, str]
    names: dict[str, str]  # label -> what staff read, when the label itself is an opaque id

    def code(self, label: str) -> str:
        return self.codes.get(label, "")

    def name(self, label: str) -> str:
        return self.names.get(label, label)


ZH_TYPES = {
    "0": "催收行为类 collection conduct", "1": "其他类 other", "2": "合同条款类 contract terms",
    "3": "定价收费类 pricing and fees", "4": "客户服务类 customer service",
    "5": "营销宣传类 marketing",
}
# Issue wording -> cause code, first match wins (CFPB issue names, lower-cased).
_ISSUE_CAUSES = (
    (("advertising", "marketing", "sales tactics"), "C04"),
    (("fee", "interest", "charged", "apr", "cost"), "C07"),
    (("collect", "communication tactics", "threatened", "false statements",
      "notification about debt"), "C12"),
    (("fraud", "scam", "unauthorized", "identity theft", "stolen"), "C10"),
    (("improper use of your report", "privacy", "personal information"), "C11"),
    (("disclosure", "confusing or misleading", "didn't receive", "incorrect information"), "C05"),
    (("customer service",), "C01"),
    (("terms", "contract", "agreement"), "C09"),
)


def issue_cause(issue: str) -> str:
    lowered = issue.lower()
    return next((code for words, code in _ISSUE_CAUSES if any(w in lowered for w in words)), "")


DEFAULT: dict[str, HeadMap] = {
    "cfpb_product": HeadMap("business", {
        d.CHECKING: "B01", d.CREDIT_CARD: "B02", d.PREPAID: "B02", d.CREDIT_REPORTING: "B05",
        d.DEBT_COLLECTION: "B13", d.DEBT_MANAGEMENT: "B14", d.MONEY_TRANSFER: "B04",
        d.MORTGAGE: "B03", d.PAYDAY: "B03", d.STUDENT_LOAN: "B03", d.VEHICLE: "B03",
    }, {}),
    "cfpb_issue": HeadMap("cause", {}, {}),  # codes from issue_cause()
    # complaint_type_6: 1 ("other") has no cause of its own.
    "zh_cause": HeadMap("cause", {"0": "C12", "2": "C09", "3": "C07", "4": "C01", "5": "C04"},
                        ZH_TYPES),
}


@cache
def head_maps() -> dict[str, HeadMap]:
    """The default map with $TOUSU_TRIAGE_MAP's heads in place of its own. A file that cannot
    be read, or a head without a known dimension, is ImproperlyConfigured (`manage.py check`
    says so; registration goes on without suggested codes)."""
    maps = dict(DEFAULT)
    path = getattr(settings, "TOUSU_TRIAGE_MAP", "") or os.environ.get("TOUSU_TRIAGE_MAP", "")
    if path:
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8"))
            for head, spec in loaded.items():
                maps[head] = HeadMap(spec["dimension"], dict(spec.get("codes", {})),
                                     dict(spec.get("names", {})))
        except (OSError, ValueError, AttributeError, KeyError, TypeError) as error:
            raise ImproperlyConfigured(
                f"TOUSU_TRIAGE_MAP {path}: {type(error).__name__}: {error} (expected "
                '{"head": {"dimension": "...", "codes": {"label": "code"}}})') from None
    for head, spec in maps.items():
        if spec.dimension not in DIMENSIONS:
            raise ImproperlyConfigured(
                f"triage map {head}: unknown dimension {spec.dimension!r}")
    return maps


def code_for(head: str, label: str) -> str:
    spec = head_maps().get(head)
    if spec is None:
        return ""
    if head == "cfpb_issue" and not spec.codes:
        return issue_cause(label)
    code = spec.code(label)
    return code if code in DIMENSIONS[spec.dimension] else ""


def label_for(head: str, code: str) -> str:
    """The one label of `head` that stands for `code` ("" when none or several do): what a
    decision by code teaches the classifier."""
    spec = head_maps().get(head)
    labels = [label for label, c in (spec.codes if spec else {}).items() if c == code]
    return labels[0] if len(labels) == 1 else ""


def dimension_of(head: str) -> str:
    spec = head_maps().get(head)
    return spec.dimension if spec else ""


def label_name(head: str, label: str) -> str:
    spec = head_maps().get(head)
    return spec.name(label) if spec else label
