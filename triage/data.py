"""Labelled complaints for training and evaluation, read from the shared data directory (or any
file in the same formats). Nothing here is copied into the repository.

Guarantees: the same files give the same examples in the same order; examples are deduplicated
on Complaint ID and on normalised text across files (the first occurrence wins, in FILES order);
CFPB products are mapped to the current taxonomy (`current_product`); `holdout.sealed` is never
opened."""

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Files with sub-products first: they map products most precisely (FILES order decides which copy
# of a duplicated complaint is kept).
CFPB_FILES = (
    "ziyuyan9_complaints_sample.csv",
    "complaints_2016_2020_small.csv",
    "complaints_2023_q1.csv",
    "narratives_100.csv",
    "payday_2023_sample.csv",
    "payday_2025.csv",
    "narratives_4_products.csv",
)
CFPB_STRUCTURED = "structured_2015_q1.csv"
ZH_TRAIN = Path("zh_heimao") / "complaint_type_6_train.csv"
ZH_DEV = Path("zh_heimao") / "complaint_type_6_dev.csv"
NARRATIVE = "Consumer complaint narrative"

CHECKING = "Checking or savings account"
CREDIT_CARD = "Credit card"
CREDIT_REPORTING = "Credit reporting or other personal consumer reports"
DEBT_COLLECTION = "Debt collection"
DEBT_MANAGEMENT = "Debt or credit management"
MONEY_TRANSFER = "Money transfer, virtual currency, or money service"
MORTGAGE = "Mortgage"
PAYDAY = "Payday loan, title loan, personal loan, or advance loan"
PREPAID = "Prepaid card"
STUDENT_LOAN = "Student loan"
VEHICLE = "Vehicle loan or lease"
CURRENT_PRODUCTS = (CHECKING, CREDIT_CARD, CREDIT_REPORTING, DEBT_COLLECTION, DEBT_MANAGEMENT,
                    MONEY_TRANSFER, MORTGAGE, PAYDAY, PREPAID, STUDENT_LOAN, VEHICLE)
_PREPAID_SUBS = ("prepaid", "gift", "payroll", "government benefit", "id prepaid")
_DEBT_MANAGEMENT_SUBS = ("credit repair", "debt settlement")


class DataMissing(FileNotFoundError):
    """The data directory or one of its files is not there."""


class UnreadableFile(ValueError):
    """A file that is not UTF-8 CSV."""


FIELD_LIMIT = 16 * 1024 * 1024  # a whole complaint in one cell (csv's default stops at 128 KiB)


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    origin: str  # file:record, for tracing an example back to its source


def data_dir() -> Path:
    return Path(settings.TOUSU_DATA_DIR)


def current_product(product: str, sub_product: str = "") -> str:
    """The current CFPB product for a product name of any year ('' when there is none)."""
    p, s = product.strip().lower(), sub_product.strip().lower()
    if not p:
        return ""
    if p.startswith("credit reporting"):
        return DEBT_MANAGEMENT if "credit repair" in s else CREDIT_REPORTING
    if p in {"credit card or prepaid card", "prepaid card", "credit card"}:
        if p == "prepaid card" or any(k in s for k in _PREPAID_SUBS):
            return PREPAID
        return CREDIT_CARD
    if p in {"bank account or service", "checking or savings account"}:
        return CHECKING
    if p.startswith("payday loan"):
        return PAYDAY
    if p == "consumer loan":  # vehicle loans and leases were most of it: unknown without one
        if not s:
            return ""
        return VEHICLE if "vehicle" in s else PAYDAY
    if p in {"other financial service", "debt or credit management"} or p.startswith(
        ("money transfer", "virtual currency")
    ):
        if p == "debt or credit management" or any(k in s for k in _DEBT_MANAGEMENT_SUBS):
            return DEBT_MANAGEMENT
        return MONEY_TRANSFER
    for name in (MORTGAGE, STUDENT_LOAN, VEHICLE, DEBT_COLLECTION):
        if p == name.lower():
            return name
    return ""


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def text_key(text: str) -> str:
    return hashlib.sha1(normalise(text).encode(), usedforsecurity=False).hexdigest()


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    """Rows with column names as the standard CFPB export spells them (`_` read as a space)."""
    if not path.is_file():
        raise DataMissing(f"data file not found: {path}")
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                yield {(k or "").replace("_", " ").strip(): (v or "") for k, v in row.items()}
        except UnicodeDecodeError:
            raise UnreadableFile(f"{path}: not UTF-8 text near line {reader.line_num + 1} / "
                                 f"第 {reader.line_num + 1} 行附近不是 UTF-8 编码") from None
        except csv.Error as error:
            raise UnreadableFile(f"{path}: line {reader.line_num}: {error} / "
                                 f"第 {reader.line_num} 行无法读取") from None


@dataclass
class _Dedup:
    ids: set[str]
    texts: set[str]

    def fresh(self, complaint_id: str, text: str) -> bool:
        key = text_key(text)
        if key in self.texts or (complaint_id and complaint_id in self.ids):
            return False
        self.texts.add(key)
        if complaint_id:
            self.ids.add(complaint_id)
        return True


def cfpb_rows(paths: Iterable[Path]) -> Iterator[tuple[str, dict[str, str]]]:
    """(origin, row) of every row with a narrative, deduplicated across the files."""
    seen = _Dedup(set(), set())
    for path in paths:
        for number, row in enumerate(read_csv(path), start=2):
            text = row.get(NARRATIVE, "").strip()
            if text and seen.fresh(row.get("Complaint ID", "").strip(), text):
                yield f"{path.name}:{number}", row


def cfpb_files(directory: Path | None = None) -> list[Path]:
    base = (directory or data_dir()) / "cfpb"
    return [base / name for name in CFPB_FILES if (base / name).is_file()]


def cfpb_products(paths: Iterable[Path]) -> list[Example]:
    found = []
    for origin, row in cfpb_rows(paths):
        label = current_product(row.get("Product", ""), row.get("Sub-product", ""))
        if label:
            found.append(Example(row[NARRATIVE].strip(), label, origin))
    return found


# Issue names the CFPB has since replaced, mapped to the current wording.
ISSUE_RENAMES = {
    "Cont'd attempts collect debt not owed": "Attempts to collect debt not owed",
    "Incorrect information on credit report": "Incorrect information on your report",
    "Unable to get credit report/credit score": "Unable to get your credit report or credit score",
    "Problems caused by my funds being low": "Problem caused by your funds being low",
    "Taking/threatening an illegal action": "Took or threatened to take negative or legal action",
    "Disclosure verification of debt": "Written notification about debt",
    "Identity theft protection or other monitoring services":
        "Credit monitoring or identity theft protection services",
    "Problem with a company's investigation into an existing issue":
        "Problem with a credit reporting company's investigation into an existing problem",
    "Account opening, closing, or management": "Managing an account",
}


def current_issue(issue: str) -> str:
    issue = issue.strip()
    return ISSUE_RENAMES.get(issue, issue)


def cfpb_issues(paths: Iterable[Path]) -> list[Example]:
    return [Example(row[NARRATIVE].strip(), current_issue(row["Issue"]), origin)
            for origin, row in cfpb_rows(paths) if row.get("Issue", "").strip()]


def product_descriptions(directory: Path | None = None,
                         exclude: frozenset[str] = frozenset()) -> list[Example]:
    """Short texts made of the structured fields (product, sub-product, issue, sub-issue) of every
    distinct combination in the CFPB files, narrative or not, labelled with the current product:
    what the taxonomy says about each product, so products with few narratives (prepaid cards,
    debt or credit management) are not unknown to the model. They hold no complaint's words.
    Rows whose narrative's `text_key` is in `exclude` (a held-out part) are left out."""
    combos: Counter[tuple[str, str]] = Counter()
    base = (directory or data_dir()) / "cfpb"
    for name in (*CFPB_FILES, CFPB_STRUCTURED):
        path = base / name
        if not path.is_file():
            continue
        for row in read_csv(path):
            narrative = row.get(NARRATIVE, "").strip()
            if exclude and narrative and text_key(narrative) in exclude:
                continue
            label = current_product(row.get("Product", ""), row.get("Sub-product", ""))
            parts = [row.get(k, "").strip() for k in ("Sub-product", "Issue", "Sub-issue")]
            text = ". ".join(p for p in parts if p)
            if label and text:
                combos[(text, label)] += 1
    found = [Example(text, label, "taxonomy") for (text, label) in sorted(combos)]
    found += [Example(text, label, "definition") for label, text in DEFINITIONS.items()]
    return found


# One sentence per current product, after the CFPB's own product descriptions.
DEFINITIONS = {
    CHECKING: "Checking account, savings account, certificate of deposit, bank account opening, "
              "closing, deposits and withdrawals, overdraft fees, debit card on a bank account.",
    CREDIT_CARD: "Credit card or store credit card: billing disputes, interest rate, annual fee, "
                 "credit limit, rewards, card statement, purchase shown on the credit card.",
    CREDIT_REPORTING: "Credit report from Equifax, Experian or TransUnion: incorrect information "
                      "on the report, credit score, investigation of a dispute, identity theft.",
    DEBT_COLLECTION: "A debt collector or collection agency attempts to collect a debt not owed, "
                     "collection calls, threats, validation of the debt.",
    DEBT_MANAGEMENT: "Debt settlement, debt relief or credit repair company, credit counseling, "
                     "debt management plan, fees for repairing credit or settling debts.",
    MONEY_TRANSFER: "Money transfer, wire transfer, PayPal, Venmo, Zelle, Cash App, mobile or "
                    "digital wallet, virtual currency, cryptocurrency, money order, check cashing.",
    MORTGAGE: "Mortgage loan, home loan servicer, escrow, foreclosure, loan modification, "
              "refinance, closing on a house.",
    PAYDAY: "Payday loan, title loan, personal installment loan, advance loan, cash advance "
            "lender, online lender.",
    PREPAID: "Prepaid card, gift card, payroll card, government benefit card, reloadable "
             "prepaid debit card, card balance and fees on a prepaid card.",
    STUDENT_LOAN: "Federal or private student loan, loan servicer such as Navient, repayment "
                  "plan, deferment, forbearance, loan forgiveness.",
    VEHICLE: "Auto loan, car loan, vehicle lease, car repossession, auto finance company.",
}


def zh_types(path: Path) -> list[Example]:
    """complaint_type_6 rows (`text,label`), deduplicated on text."""
    seen = _Dedup(set(), set())
    return [
        Example(row["text"].strip(), row["label"].strip(), f"{path.name}:{number}")
        for number, row in enumerate(read_csv(path), start=2)
        if row.get("text", "").strip() and row.get("label", "").strip()
        and seen.fresh("", row["text"])
    ]
