"""`check --deploy` for the production profile: customers' notices must go somewhere."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

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
