"""Deadline computation. One function per obligation so that the rule packs of a later release
can replace the computation without touching callers."""

import datetime as dt
from zoneinfo import ZoneInfo

from clocks.calendar import next_cn_working_day

CN_ZONE = ZoneInfo("Asia/Shanghai")
CN_DECISION_DAYS = 15
CN_EXTENSION_LIMITS = (30, 60)  # total days after the first and after the second extension
CN_REVIEW_WINDOW_DAYS = 30
CN_REVIEW_DECISION_DAYS = 30


def end_of_local_day(day: dt.date, zone: ZoneInfo = CN_ZONE) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone).astimezone(dt.UTC)


def cn_days_due(start: dt.datetime, days: int, roll_to_working_day: bool = True) -> dt.datetime:
    """The end of the `days`-th calendar day after `start` (local time), the day after the start
    being day 1 and the last day included (NFRA Order 2020 No. 3 Art. 43; Civil Code Art. 201);
    a last day that is a rest day moves to the next working day (Civil Code Art. 203)."""
    last = start.astimezone(CN_ZONE).date() + dt.timedelta(days=days)
    if roll_to_working_day:
        last = next_cn_working_day(last)
    return end_of_local_day(last)


def decision_due(received_at: dt.datetime, days: int = CN_DECISION_DAYS) -> dt.datetime:
    return cn_days_due(received_at, days)
