"""Reading real complaint texts from the shared data directory (never copied into the repo).

Guarantees: the same files always give the same texts in the same order (the first rows, in file
order, whose stripped text has MIN_CHARS to MAX_CHARS characters); every text is returned exactly
as it stands in its file, stripped of surrounding whitespace."""

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ZH_FILE = Path("zh_heimao") / "complaint_type_6_train.csv"
EN_FILE = Path("cfpb") / "ziyuyan9_complaints_sample.csv"
NARRATIVE = "Consumer complaint narrative"
MIN_CHARS, MAX_CHARS = 30, 3000
# complaint_type_6 label -> the bank's cause code (triage/codes.py CAUSE); 1 ("other") has none.
ZH_CAUSES = {"0": "C12", "2": "C09", "3": "C07", "4": "C01", "5": "C04"}


class DataMissing(FileNotFoundError):
    """The data directory or one of its files is not there."""


@dataclass(frozen=True)
class SourceText:
    text: str
    language: str  # "zh-Hans" or "en"
    origin: str  # file and row number, for tracing a demo complaint back to its source
    cause: str = ""  # zh: cause code from the label
    product: str = ""  # en: the CFPB product


def data_dir() -> Path:
    """settings.TOUSU_DATA_DIR, else $TOUSU_DATA_DIR, else `shared/data` beside the repo."""
    configured = getattr(settings, "TOUSU_DATA_DIR", "") or os.environ.get("TOUSU_DATA_DIR", "")
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "data"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.is_file():
        raise DataMissing(f"demo data file not found: {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)


def _fits(text: str) -> bool:
    return MIN_CHARS <= len(text) <= MAX_CHARS


def chinese_texts(directory: Path, limit: int) -> list[SourceText]:
    """The first `limit` usable complaints of zh_heimao/complaint_type_6_train.csv."""
    found: list[SourceText] = []
    for number, row in enumerate(_rows(directory / ZH_FILE), start=2):
        text = (row.get("text") or "").strip()
        if not _fits(text):
            continue
        found.append(SourceText(text=text, language="zh-Hans", origin=f"{ZH_FILE}:{number}",
                                cause=ZH_CAUSES.get((row.get("label") or "").strip(), "")))
        if len(found) >= limit:
            break
    return found


def english_texts(directory: Path, limit: int) -> list[SourceText]:
    """The first `limit` rows of cfpb/ziyuyan9_complaints_sample.csv with a usable narrative.
    (The row number is the CSV record number, header = 1; narratives may span lines.)"""
    found: list[SourceText] = []
    for number, row in enumerate(_rows(directory / EN_FILE), start=2):
        text = (row.get(NARRATIVE) or "").strip()
        if not _fits(text):
            continue
        found.append(SourceText(text=text, language="en", origin=f"{EN_FILE}:{number}",
                                product=(row.get("Product") or "").strip()[:200]))
        if len(found) >= limit:
            break
    return found
