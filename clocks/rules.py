"""Counting: from a start time and an obligation of a rule pack to a due time. Pure functions; the
numbers come from the pack (clocks/packs.py), the rest days from its calendar.

A due time is the last second of the last day in the pack's zone (or the obligation's `ends_at`,
e.g. close of business), stored in UTC; whatever happens during that second is in time."""

import calendar as month_calendar
import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from clocks import calendar, packs
from clocks.packs import END_OF_DAY, ObligationRule, RulePack

CN_ZONE = ZoneInfo("Asia/Shanghai")
ONE_SECOND = dt.timedelta(seconds=1)


def local_day(at: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The local date of an instant: 00:00 belongs to the new day (Art. 201 counts local days)."""
    return at.astimezone(zone).date()


def end_of_local_day(day: dt.date, zone: ZoneInfo = CN_ZONE,
                     ends_at: dt.time = END_OF_DAY) -> dt.datetime:
    return dt.datetime.combine(day, ends_at, tzinfo=zone).astimezone(dt.UTC)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, month_calendar.monthrange(year, month)[1]))


def last_day(pack: RulePack, start_day: dt.date, count: int, day_type: str, roll: bool,
             extra_days: int = 0) -> dt.date:
    """The last day of a period of `count` units after `start_day`, lengthened by `extra_days`
    units that were paused (days, or business days for a business-day period)."""
    if day_type == "business":
        return calendar.add_business_days(pack.calendar, start_day, count + extra_days)
    if day_type == "calendar":
        last = start_day + dt.timedelta(days=count + extra_days)
    elif day_type == "weeks":
        last = start_day + dt.timedelta(days=7 * count + extra_days)
    elif day_type == "months":
        last = add_months(start_day, count) + dt.timedelta(days=extra_days)
    else:
        raise ValueError(f"unknown day type {day_type!r}")
    return calendar.next_working_day(pack.calendar, last) if roll else last


def due_at(pack: RulePack, rule: ObligationRule, start: dt.datetime, *,
           count: int | None = None, day_type: str | None = None,
           extra_days: int = 0) -> dt.datetime:
    """When `rule` falls due for a clock started at `start`; `count`/`day_type` replace the
    rule's own after an extension."""
    day = last_day(pack, local_day(start, pack.zone), rule.count if count is None else count,
                   day_type or rule.day_type, rule.roll, extra_days)
    return end_of_local_day(day, pack.zone, rule.ends_at)


def in_time(at: dt.datetime, due: dt.datetime) -> bool:
    """Whether `at` is within a period that ends with the second `due` names."""
    return at < due + ONE_SECOND


def paused_units(pack: RulePack, day_type: str, start: dt.datetime, end: dt.datetime) -> int:
    """How many of a period's units a pause from `start` to `end` held back: whole local days
    (business days for a business-day period) from the day it began to the day it ended."""
    first, last = local_day(start, pack.zone), local_day(end, pack.zone)
    if day_type == "business":
        return calendar.business_days_between(pack.calendar, first, last)
    return max((last - first).days, 0)


def receipt_rules(pack: RulePack, flags: Iterable[str]) -> list[ObligationRule]:
    return pack.starting("receipt", frozenset(flags))


# The first release's cn functions, used by callers and tests ------------------------------------

def cn_days_due(start: dt.datetime, days: int, roll_to_working_day: bool = True) -> dt.datetime:
    """The end of the `days`-th calendar day after `start` (Beijing time), the day after the start
    being day 1 and the last day included (NFRA Order 2020 No. 3 Art. 43; Civil Code Art. 201);
    a last day that is a rest day moves to the next working day (Civil Code Art. 203)."""
    pack = packs.get("cn")
    day = last_day(pack, local_day(start, CN_ZONE), days, "calendar", roll_to_working_day)
    return end_of_local_day(day, CN_ZONE)


def decision_due(received_at: dt.datetime, days: int | None = None, *,
                 flags: Iterable[str] = ()) -> dt.datetime:
    """When the installation's pack wants the decision (its headline obligation) for a complaint
    received at `received_at`; `days` replaces the pack's count."""
    pack = packs.get()
    return due_at(pack, pack.headline(frozenset(flags)), received_at, count=days)
