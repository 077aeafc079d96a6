"""Logging for operations: a filter that masks customer identifiers in every record, and the
JSON formatter (TOUSU_LOG_FORMAT=json) that log shippers read.

The filter sits on the handlers, not on loggers, so it sees every record that is written,
whichever logger it came from (a logger's filter misses its children's records). It masks the
formatted message (the arguments included, whatever their type), the traceback text and any
string passed in `extra`, with triage.pii's detectors: ID numbers, card numbers, phones,
emails, account numbers."""

import datetime as dt
import logging
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from triage.pii import mask_text

_STANDARD = frozenset(RESERVED_ATTRS) | {"message", "asctime"}


class MaskPII(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_text(message), None
        if record.exc_info:
            # Render the traceback now and drop the live exception: every formatter (plain or
            # JSON) then writes the masked text, never the exception's own message.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask_text(value))
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
