"""Business calendars: which days are statutory rest days and which are business days.

- `cn`: weekends and public holidays less the adjusted working days (调休) from `chinesecalendar`.
  A schedule the package does not have yet (the State Council publishes next year's each autumn)
  goes into clocks/data/cn_schedule.json; a year there replaces the package's. A year neither
  covers has no rest days at all (a weekend there may be a 调休 working day), with a warning.
- `uk-eaw`: England and Wales bank holidays; `us`: US federal holidays (observed days included),
  both from the `holidays` package.
- Each calendar's bank closure days (ClosureDay, edited in the admin) are not business days, so
  they lengthen business-day counts, except in a calendar whose business days the regulation
  fixes (FIXED_BUSINESS_DAYS: uk-eaw). They never move a calendar-day deadline: Civil Code Art. 203
  rolls a last day only past statutory rest days, and a bank's own closure does not extend a
  period the regulation sets.
- Open days (ClosureDay of kind `open`): a listed weekday holiday on which the bank is open, a
  business day after all, in a calendar whose business days are the days the institution is open
  (OPEN_DAY_CALENDARS: us, 12 CFR 1005.2(d)), so they shorten business-day counts there. Refused
  elsewhere: China's rest days are statutory, England and Wales' business days are DISP's. Like
  closures they never move a calendar-day deadline: a roll goes past the law's rest days, whatever
  the bank does on them.

Holiday sets are built once per (calendar, year) and kept; the bank's days are kept in org.cache,
dropped whenever one is saved or deleted (in other processes at their next request).
"""

import datetime as dt
import json
import logging
from functools import cache
from pathlib import Path

import holidays as holiday_lib
from chinese_calendar import constants as cn_constants

from clocks.choices import BankDayKind
from org import cache as org_cache

logger = logging.getLogger(__name__)

CN_SCHEDULE_FILE = Path(__file__).resolve().parent / "data" / "cn_schedule.json"
ONE_DAY = dt.timedelta(days=1)
MAX_SCAN_DAYS = 400  # a run of rest days longer than this is a data error, not a calendar


class CalendarError(ValueError):
    pass


@cache
def _cn_extra() -> dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]]:
    """Official CN schedules added by hand: {"2027": {"holidays": [...], "workdays": [...]}}."""
    if not CN_SCHEDULE_FILE.exists():
        return {}
    raw = json.loads(CN_SCHEDULE_FILE.read_text(encoding="utf-8"))
    years = {}
    for year, entry in raw.items():
        if not year.isdigit():
            continue  # "_about" and other notes
        days = {kind: frozenset(dt.date.fromisoformat(d) for d in entry.get(kind, []))
                for kind in ("holidays", "workdays")}
        if any(d.year != int(year) for d in days["holidays"] | days["workdays"]):
            raise CalendarError(f"{CN_SCHEDULE_FILE.name}: a date of {year} is in another year")
        years[int(year)] = (days["holidays"], days["workdays"])
    return years


def check_cn_schedule() -> None:
    """Read the hand-edited schedule once at start, so a mistake in it stops the server with its
    reason instead of failing every deadline computed afterwards."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        _cn_extra()
    except (ValueError, TypeError, AttributeError) as exc:
        raise ImproperlyConfigured(f"{CN_SCHEDULE_FILE}: {exc}") from None


@cache
def _cn_package_years() -> frozenset[int]:
    return frozenset(d.year for d in cn_constants.holidays)


@cache
def _year(calendar: str, year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(public holidays, weekend days that are working days) of one calendar year."""
    if calendar == "cn":
        extra = _cn_extra()
        if year in extra:
            return extra[year]
        if year in _cn_package_years():
            return (frozenset(d for d in cn_constants.holidays if d.year == year),
                    frozenset(d for d in cn_constants.workdays if d.year == year))
        # Without the official schedule no day is taken for a rest day: a weekend may be an
        # adjusted working day (调休), and rolling past it would make a deadline later than the
        # law's. Deadlines come out earlier, never later, until the schedule is added.
        logger.warning("No official CN holiday schedule for %s yet: no day counts as a rest day "
                       "(add it to %s)", year, CN_SCHEDULE_FILE)
        weekend = frozenset(day for day in (dt.date(year, 1, 1) + dt.timedelta(days=n)
                                            for n in range(366))
                            if day.year == year and day.weekday() >= 5)
        return frozenset(), weekend
    if calendar == "uk-eaw":
        return frozenset(holiday_lib.country_holidays("GB", subdiv="ENG", years=year)), frozenset()
    if calendar == "us":
        return frozenset(holiday_lib.country_holidays("US", years=year)), frozenset()
    raise CalendarError(f"unknown calendar {calendar!r}")


SCHEDULE_LEAD = dt.timedelta(days=60)  # how far ahead a missing official schedule is flagged


def missing_schedule(calendar: str, today: dt.date) -> int | None:
    """The first year, of this one and the one SCHEDULE_LEAD ahead, that the cn calendar has no
    official schedule for (its deadlines would count weekends only): for a warning to staff."""
    if calendar != "cn":
        return None
    known = set(_cn_extra()) | _cn_package_years()
    for year in sorted({today.year, (today + SCHEDULE_LEAD).year}):
        if year not in known:
            return year
    return None


def is_rest_day(calendar: str, day: dt.date) -> bool:
    """A statutory rest day: a weekend day that is not an adjusted working day, or a holiday."""
    public, working = _year(calendar, day.year)
    if day in working:
        return False
    return day.weekday() >= 5 or day in public


def is_business_day(calendar: str, day: dt.date) -> bool:
    closed, opened = bank_days(calendar)
    return _business(calendar, day, closed, opened)


def _business(calendar: str, day: dt.date, closed: frozenset[dt.date],
              opened: frozenset[dt.date]) -> bool:
    return day in opened or (not is_rest_day(calendar, day) and day not in closed)


def next_working_day(calendar: str, day: dt.date) -> dt.date:
    """The day itself if it is not a statutory rest day, else the first one after it."""
    for _ in range(MAX_SCAN_DAYS):
        if not is_rest_day(calendar, day):
            return day
        day += ONE_DAY
    raise CalendarError(f"no working day within {MAX_SCAN_DAYS} days of {day}")


def add_business_days(calendar: str, day: dt.date, count: int) -> dt.date:
    """The `count`-th business day after `day` (`day` itself is never counted: "the third
    business day after the day of receipt"); 0 gives `day`."""
    closed, opened = bank_days(calendar)
    left = count
    for _ in range(count + MAX_SCAN_DAYS):
        if left <= 0:
            return day
        day += ONE_DAY
        if _business(calendar, day, closed, opened):
            left -= 1
    raise CalendarError(f"cannot count {count} business days from {day}")


def business_days_between(calendar: str, start: dt.date, end: dt.date) -> int:
    """Business days in (start, end]: how many a pause from `start` to `end` held back."""
    closed, opened = bank_days(calendar)
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if _business(calendar, day, closed, opened):
            count += 1
    return count


# Kept for callers of the first release.
def is_cn_working_day(day: dt.date) -> bool:
    return not is_rest_day("cn", day)


def next_cn_working_day(day: dt.date) -> dt.date:
    return next_working_day("cn", day)


# The bank's closure and open days -------------------------------------------------------------

# Calendars whose business days the regulation fixes, whatever the bank does: the FCA
# Glossary's "business day" is any day but a weekend, Christmas Day, Good Friday or a bank
# holiday, so a closure of the bank's never lengthens a DISP period. (Reg E and Reg Z count
# the days the institution is open: closures count in `us`.)
FIXED_BUSINESS_DAYS = frozenset({"uk-eaw"})
# Calendars whose business days are the days the institution is open to the public for
# substantially all its business (Reg E 12 CFR 1005.2(d); Reg Z and Reg X likewise): there a
# listed holiday the bank is open on is a business day.
OPEN_DAY_CALENDARS = frozenset({"us"})


def open_day_refusal(calendar: str, day: dt.date | None) -> str | None:
    """Why the bank may not declare `day` an open day in `calendar` (None: it may)."""
    if calendar == "cn":
        return ("中国日历的工作日与休息日由国务院安排，银行不能将法定节假日设为营业日 / the cn "
                "calendar's working and rest days are statutory (State Council schedule): the "
                "bank cannot declare a public holiday a business day")
    if calendar not in OPEN_DAY_CALENDARS:
        return ("此日历的工作日由监管规定，银行营业不影响期限 / this calendar's business days are "
                "set by the regulator (FCA Glossary): the bank being open does not move its "
                "deadlines")
    if day is not None and (day.weekday() >= 5 or not is_rest_day(calendar, day)):
        return ("只能将此日历列出的工作日节假日设为营业日 / only a holiday this calendar lists on "
                "a weekday can be declared an open day")
    return None


def bank_days(calendar: str) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(closed, open) days the bank declared for `calendar`, each only where it counts."""
    if calendar in FIXED_BUSINESS_DAYS:
        return frozenset(), frozenset()

    def load() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
        from clocks.models import ClosureDay

        rows = list(ClosureDay.objects.filter(calendar=calendar).values_list("day", "kind"))
        opened = (frozenset(day for day, kind in rows if kind == BankDayKind.OPEN)
                  if calendar in OPEN_DAY_CALENDARS else frozenset())
        return frozenset(day for day, kind in rows if kind == BankDayKind.CLOSED), opened

    days: tuple[frozenset[dt.date], frozenset[dt.date]]
    days = org_cache.remember("bank-days", calendar, load)
    return days


def closure_days(calendar: str) -> frozenset[dt.date]:
    return bank_days(calendar)[0]


def open_days(calendar: str) -> frozenset[dt.date]:
    return bank_days(calendar)[1]
