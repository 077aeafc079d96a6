"""The vocabulary of the reports: dimensions, measures, grains and cubes of the rollup tables."""

from django.db import models

# Dimensions a statistic can be grouped or filtered by, besides the period and the org unit.
# `code_channel` is the JR/T 0169 business-transaction channel (triage code H..), `channel` the
# channel the complaint came in by.
DIMS: tuple[str, ...] = (
    "business",
    "cause",
    "code_channel",
    "channel",
    "source",
    "severity",
    "state",
    "validity",
    "root_cause",
)

# Every measure is a sum over the complaints received in the period (a receipt cohort): counts
# of complaints with a property, or sums (handling_days, contact_hours, score, redress).
MEASURES: tuple[str, ...] = (
    "n",  # complaints received
    "ack_ok",  # registered (and so acknowledged) within the acknowledgement limit of receipt
    "decided",  # the decision has been given (the decision clock is met)
    "on_time",  # ... within its due time
    "handling_days",  # sum of days from receipt to decision (local calendar days)
    "contacted",  # the bank has contacted the customer
    "contact_hours",  # sum of whole hours from receipt to the first contact
    "reprocessed",  # the customer was not satisfied at follow-up: handled again
    "reviewed",  # a review was requested
    "review_changed",  # the (latest decided) review changed the decision
    "review_upheld",  # ... upheld it
    "repeat",  # a repeat complaint of the same customer
    "surveyed",  # the satisfaction survey was answered
    "satisfied",  # ... satisfied at the latest survey
    "score",  # sum of the latest survey scores (1..5)
    "upheld",  # the decision upheld the complaint fully or partly
    "redress",  # sum of monetary redress, in cents
    "monetary",  # closed with monetary relief (refund, compensation)
    "non_monetary",  # ... with non-monetary relief (correction, apology)
    "explanation",  # ... with an explanation only
    "band_3bd",  # decided by the end of the 3rd business day after receipt (FCA band)
    "band_8w",  # decided after that, within 8 weeks
    "band_over",  # decided after 8 weeks
    "closed",  # state closed
    "withdrawn",  # state withdrawn
    "withdrawn_after_contact",  # withdrawn soon after a contact by the bank (abuse signal)
)

# Distributions kept exactly (value → count) for medians and percentiles.
SPREADS: tuple[str, ...] = ("handling_days", "contact_hours")
SPREAD_CAP = {"handling_days": 400, "contact_hours": 24 * 60}

DAY, MONTH = "d", "m"
GRAINS = (DAY, MONTH)
ALL = "*"  # a dimension a cube does not keep

# Cubes: the same facts rolled up over fewer dimensions, so that a report reads the smallest
# table that holds what it asks for. Cube 0 keeps every dimension.
CUBES: dict[int, frozenset[str]] = {
    0: frozenset(DIMS),
    1: frozenset({"business", "cause"}),
}


class Period(models.TextChoices):
    DAY = "day", "日 Day"
    WEEK = "week", "周 Week"
    MONTH = "month", "月 Month"
    QUARTER = "quarter", "季 Quarter"
    YEAR = "year", "年 Year"


class Post(models.TextChoices):
    """Who answers for a valid complaint in the branch assessment."""

    RESPONSIBLE = "responsible", "责任人 Responsible person"
    VICE_PRESIDENT = "vice_president", "分管副行长 Supervising vice-president"
    PRESIDENT = "president", "行长 President"


class Impact(models.TextChoices):
    NONE = "", "不限 Any"
    COMPENSATION = "compensation", "涉及赔偿 Compensation paid"
    PUBLIC_OPINION = "public_opinion", "舆情影响 Public-opinion impact"
    EITHER = "either", "赔偿或舆情 Compensation or public opinion"
