"""Logging for operations: a filter that masks customer identifiers in every record, and the
JSON formatter (TOUSU_LOG_FORMAT=json) that log shippers read.

The filter sits on the handlers, not on loggers, so it sees every record that is written,
whichever logger it came from (a logger's filter misses its children's records). It masks the
formatted message (the arguments included, whatever their type), the traceback text and every
value passed in `extra` (the text of an object, strings inside dicts and lists), with
triage.pii's detectors: ID numbers, card numbers, phones, emails, account numbers."""

import datetime as dt
import logging
import re
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from triage.pii import mask_text

_STANDARD = frozenset(RESERVED_ATTRS) | {"message", "asctime"}
# Operational tokens left whole, their digits being no customer's: Celery's task ids (their digit
# groups would read as phone or account numbers, and an operator greps the log for them); a
# runtime in seconds or milliseconds (Celery's "succeeded in 0.0383581155s", or 5.2e-05s); a
# timestamp with its UTC offset, ISO 8601 or the access log's [23/Nov/2026:10:00:00 +0800] (whose
# offset reads as a phone). Each is bounded so that it cannot be the head or tail of a longer
# number; a lone offset or an epoch is masked as before. The first character is matched before
# the alternatives, which check it (and what precedes it) by looking behind: a pattern that starts
# with a character class is searched for by that class, about twice as fast as an alternation
# tried at every position of the line.
_KEEP = re.compile(r"[\[0-9a-f](?:" + "|".join([
    r"(?<=\b[0-9a-f])[0-9a-f]{7}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    r"(?<=\d)(?<![\w.]\d)(?<!\d[ -]\d)\d{0,5}\.\d+(?:e-\d\d)?m?s(?!\w)",
    r"(?<=\d)(?<![\w.-]\d)\d{3}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})? ?"
    r"(?:Z|[+-](?:0\d|1[0-4]):?[0-5]\d)(?![\w-]|\.\d)",
    r"(?<=\[)\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]",
]) + ")")


def _mask(text: str) -> str:
    """mask_text, leaving the tokens of _KEEP whole."""
    parts, last = [], 0
    for found in _KEEP.finditer(text):
        parts += [mask_text(text[last:found.start()]), found.group()]
        last = found.end()
    parts.append(mask_text(text[last:]))
    return "".join(parts)


def _mask_value(value: Any) -> Any:
    """An `extra` value as the JSON formatter will write it, masked however deep: Celery passes
    its task's arguments, exception and traceback in a dict (`data`); Django's request log
    passes the request, whose text is its full path, query string included."""
    if value is None or isinstance(value, bool | int | float | dt.date | dt.time):
        return value
    if isinstance(value, dict):
        return {key: _mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask_value(item) for item in value]
    return _mask(str(value))


class MaskPII(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = _mask(message), None
        if record.exc_info:
            # Render the traceback now and drop the live exception: every formatter (plain or
            # JSON) then writes the masked text, never the exception's own message.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = _mask(record.exc_text)
        if record.stack_info:
            record.stack_info = _mask(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                setattr(record, key, _mask_value(value))
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line: time (ISO 8601), level, logger, message, and any `extra`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "{asctime}{levelname}{name}{message}")
        kwargs.setdefault("style", "{")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level",
                                            "name": "logger"})
        super().__init__(*args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds")
