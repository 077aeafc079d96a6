"""Identifiers as people and spreadsheets write them. A Chinese input method in full-width mode
types digits, letters and signs as full-width forms (１３８００１３８０００, ＴＳ－２０２６…), and a
system exporting CSV for Excel wraps a long number as ="13800138000" or '13800138000 so that
Excel keeps its digits. Both are undone before the value is checked, stored and hashed, so the
same customer or complaint is found however it was written."""

import re
import unicodedata

_EXCEL_TEXT = re.compile(r'="(.*)"', re.DOTALL)


def halfwidth(value: str) -> str:
    """`value` in NFKC form (full-width forms folded to ASCII) without surrounding spaces (an
    ideographic space included)."""
    return unicodedata.normalize("NFKC", value or "").strip()


def identifier(value: str) -> str:
    """A phone, email, ID number or reference from a spreadsheet: halfwidth, and without the
    ="…" or leading apostrophe an export added to keep it text."""
    text = halfwidth(value)
    found = _EXCEL_TEXT.fullmatch(text)
    if found:
        text = found.group(1).strip()
    return text[1:].strip() if text.startswith("'") else text
