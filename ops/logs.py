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
# Celery's task ids: their digit groups would read as phone or account numbers, and an operator
# greps the log for them.
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def _mask(text: str) -> str:
    """mask_text, leaving UUIDs whole."""
    parts, last = [], 0
    for found in _UUID.finditer(text):
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
