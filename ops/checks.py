"""`check --deploy` for the production profile: customers' notices must go somewhere."""

from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


@register(Tags.security, deploy=True)
def notices_reach_customers(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The console gateways write a notice (an acknowledgement, a portal one-time code) to the
    log and record it as sent: the customer gets nothing, and the code is in the log."""
    if not settings.TOUSU_PRODUCTION:
        return []
    found: list[CheckMessage] = []
    if settings.TOUSU_SMS_GATEWAY == "console":
        found.append(
            Warning(
                "TOUSU_SMS_GATEWAY is console: SMS notices are only logged, yet recorded as sent",
                hint="TOUSU_SMS_GATEWAY=http with its URL and secret (README, Production profile)",
                id="ops.W001",
            )
        )
    if settings.EMAIL_BACKEND == CONSOLE_EMAIL:
        found.append(
            Warning(
                "EMAIL_BACKEND is the console: email notices are only logged, yet recorded as sent",
                hint="the smtp EmailBackend and EMAIL_HOST (README, Production profile)",
                id="ops.W002",
            )
        )
    return found


@register(Tags.security, deploy=True)
def gateways_can_send(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Settings with which every SMS or every email would fail in the worker, one notice at a
    time, long after the deployment: refused by `check --deploy` instead."""
    found: list[CheckMessage] = []
    if settings.TOUSU_SMS_GATEWAY == "http":
        if urlparse(settings.TOUSU_SMS_GATEWAY_URL).scheme not in {"http", "https"}:
            found.append(Error("TOUSU_SMS_GATEWAY is http but TOUSU_SMS_GATEWAY_URL is not an "
                               "http(s) URL: every SMS would fail", id="ops.E001"))
        if not settings.TOUSU_SMS_GATEWAY_SECRET:
            found.append(Error("TOUSU_SMS_GATEWAY is http but TOUSU_SMS_GATEWAY_SECRET is empty: "
                               "requests to the gateway would be signed with no key",
                               id="ops.E002"))
    if settings.EMAIL_USE_TLS and settings.EMAIL_USE_SSL:
        found.append(Error("EMAIL_USE_TLS and EMAIL_USE_SSL are both on: every email would fail",
                           hint="EMAIL_USE_SSL for port 465, EMAIL_USE_TLS (STARTTLS) for 587",
                           id="ops.E003"))
    return found


@register(Tags.security, deploy=True)
def mailbox_knows_the_bank(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """With the complaints mailbox polled and no bank mail domain, a branch's forward is taken
    for the staff member's own complaint (only active staff addresses are recognised): the
    customer who wrote to the branch is not registered, and the staff member is acknowledged."""
    if not settings.TOUSU_IMAP_HOST or settings.TOUSU_BANK_MAIL_DOMAINS:
        return []
    return [Warning("TOUSU_IMAP_HOST is set but TOUSU_BANK_MAIL_DOMAINS is empty: mail a branch "
                    "forwards from an address not on a staff account would be registered as "
                    "that staff member's complaint",
                    hint="TOUSU_BANK_MAIL_DOMAINS=bank.example,… (README, Intake channels)",
                    id="ops.W003")]
