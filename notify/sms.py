"""Outbound SMS gateways. The embedded default writes messages to the log."""

import hashlib
import hmac
import json
import logging
import time
import urllib.parse
import urllib.request
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


class HttpGateway:
    """An SMS provider behind one signed HTTPS endpoint: POST {"to", "text", "client_ref"} with
    X-Tousu-Timestamp, X-Tousu-Nonce (the client_ref) and X-Tousu-Signature, hex HMAC-SHA256 of
    `{timestamp}.{nonce}.{body}` with TOUSU_SMS_GATEWAY_SECRET (the scheme of the inbound
    webhook); the provider answers {"id": ...}, kept as the proof of sending."""

    def send(self, phone: str, text: str, message_id: str) -> str:
        url = settings.TOUSU_SMS_GATEWAY_URL
        if urllib.parse.urlparse(url).scheme not in {"http", "https"}:
            raise ValueError(f"TOUSU_SMS_GATEWAY_URL is not an http(s) URL: {url!r}")
        body = json.dumps({"to": phone, "text": text, "client_ref": message_id},
                          ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        signed = f"{timestamp}.{message_id}.".encode() + body
        signature = hmac.new(settings.TOUSU_SMS_GATEWAY_SECRET.encode(), signed,
                             hashlib.sha256).hexdigest()
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url, data=body, method="POST", headers={
                "Content-Type": "application/json", "X-Tousu-Timestamp": timestamp,
                "X-Tousu-Nonce": message_id, "X-Tousu-Signature": signature})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer = json.loads(response.read(4096) or b"{}")
        receipt = str(answer.get("id", "")) if isinstance(answer, dict) else ""
        if not receipt:
            raise RuntimeError(f"the SMS gateway gave no receipt: {answer!r}"[:300])
        return f"http:{receipt}"


def gateway() -> Gateway:
    name = settings.TOUSU_SMS_GATEWAY
    if name == "console":
        return ConsoleGateway()
    if name == "http":
        return HttpGateway()
    raise ValueError(f"Unknown SMS gateway {name!r}")
