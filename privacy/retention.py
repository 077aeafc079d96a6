"""How long each kind of record is kept: read from the settings, checked against what the
regulator requires (shared/REGULATION.md)."""

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Complaint materials are kept at least 3 years from closure (PBOC implementing measures Art. 44;
# NFRA Order 2020 No. 3 Art. 28 sets none and defers to other law). That also covers the FCA's
# 3 years from receipt (DISP 1.9.1R) and Reg E/Z's 2 years; UCITS/MiFID firms need 5: configure.
REGULATORY_MINIMUM_YEARS = 3
# A complaint carrying this tag is on legal hold: never anonymised, whatever its age.
HOLD_TAG = "legal_hold"


@dataclass(frozen=True)
class Policy:
    complaint_years: int  # after closure; personal data then anonymised, the complaint kept
    notification_days: int  # staff notifications once sent or failed
    quarantine_days: int  # quarantined mail once released or dismissed
    portal_code_days: int  # portal one-time codes (and the messages carrying them) after expiry
    login_log_days: int  # sign-in records (django-axes access and failure logs)
    access_log_years: int  # the export access log

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def current_policy() -> Policy:
    """The configured policy; ImproperlyConfigured when it keeps complaints for less than the
    regulator requires or has a negative period."""
    policy = Policy(
        complaint_years=settings.TOUSU_RETENTION_COMPLAINT_YEARS,
        notification_days=settings.TOUSU_RETENTION_NOTIFICATION_DAYS,
        quarantine_days=settings.TOUSU_RETENTION_QUARANTINE_DAYS,
        portal_code_days=settings.TOUSU_RETENTION_PORTAL_CODE_DAYS,
        login_log_days=settings.TOUSU_RETENTION_LOGIN_LOG_DAYS,
        access_log_years=settings.TOUSU_RETENTION_ACCESS_LOG_YEARS,
    )
    if policy.complaint_years < REGULATORY_MINIMUM_YEARS:
        raise ImproperlyConfigured(
            f"TOUSU_RETENTION_COMPLAINT_YEARS must be at least {REGULATORY_MINIMUM_YEARS} "
            f"(complaint materials are kept ≥ 3 years after closure), got "
            f"{policy.complaint_years}")
    negative = [name for name, value in policy.as_json().items() if value < 0]
    if negative:
        raise ImproperlyConfigured(f"Retention periods cannot be negative: {', '.join(negative)}")
    return policy


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February moves to 1 March: never earlier)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)
