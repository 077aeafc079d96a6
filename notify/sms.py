"""Outbound SMS gateways. The embedded default writes messages to the log."""

import logging
from typing import Protocol

from django.conf import settings

from triage.pii import mask_phone

logger = logging.getLogger("tousu.sms")


class Gateway(Protocol):
    def send(self, phone: str, text: str, message_id: str) -> str: ...


class ConsoleGateway:
    def send(self, phone: str, text: str, message_id: str) -> str:
        logger.info("SMS to %s [%s]: %s", mask_phone(phone), message_id, text)
        return f"console:{message_id}"


def gateway() -> Gateway:
    name = settings.TOUSU_SMS_GATEWAY
    if name == "console":
        return ConsoleGateway()
    raise ValueError(f"Unknown SMS gateway {name!r}")
