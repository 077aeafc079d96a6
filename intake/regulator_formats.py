"""The records of a regulator's transfer file as text cells: a CSV in UTF-8 or GB18030 (as Excel
in China saves it), read strictly, or the one sheet of an XLSX workbook. Anything that would lose
or garble rows silently raises FileError, and nothing is imported."""

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterator


class FileError(Exception):
    pass


def decode(data: bytes) -> str:
    """The text of a CSV: UTF-8 (with or without BOM), else GB18030 as Excel in China writes
    it. Anything else (Big5, a damaged byte) raises FileError: decoding it anyway would
    register garbage."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise FileError(
                f"文件编码无法识别（第 {line} 行）：既不是 UTF-8 也不是 GB18030，"
                f"请另存为 UTF-8 CSV 后重新导入 / the file is neither UTF-8 nor GB18030 "
                f"(line {line}): save it as UTF-8 CSV and import it again") from None
    # GB18030 decodes almost any byte pairs, Big5 among them, mapping what GBK leaves unassigned
    # to the private use area; no regulator's text uses it.
    odd = next((i for i, ch in enumerate(text)
                if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff"), None)
    if odd is not None:
        line = text[:odd].count("\n") + 1
        raise FileError(
            f"文件编码无法识别（第 {line} 行含无法识别的字符，可能是繁体 Big5 编码）："
            f"请另存为 UTF-8 CSV 后重新导入 / the file's encoding is not UTF-8 or GB18030 "
            f"(line {line} holds characters that do not decode, perhaps Big5): save it as "
            "UTF-8 CSV and import it again")
    return text


def csv_records(text: str) -> Iterator[list[str]]:
    """The records of a CSV, strictly: an unpaired quote mark would otherwise swallow every
    later row into one cell, and those rows would be lost without a word."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    for row in itertools.count(1):
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileError(f"第 {row} 行无法读取（{exc}），可能是引号不成对或单元格过长，"
                            f"未导入任何行 / row {row} cannot be read ({exc}): perhaps an "
                            "unpaired quote mark or an over-long cell; nothing was imported"
                            ) from None


def xlsx_records(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileError(f"无法读取的 .xlsx 文件 / not a readable .xlsx file: {exc}") from exc
    sheet = book.active
    if sheet is None:
        return
    # Only one sheet is read: rows on another would be lost without a word.
    others = [ws.title for ws in book.worksheets if ws is not sheet and any(
        v not in (None, "") for row in ws.iter_rows(values_only=True) for v in row)]
    if others:
        raise FileError(f"其他工作表也有数据（{'、'.join(others)}），未导入任何行；"
                        f"请每个文件只保留一个工作表 / other sheets hold data too "
                        f"({', '.join(others)}): nothing was imported; keep one sheet per file")
    for row in sheet.iter_rows(values_only=True):
        yield [cell(v) for v in row]


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
