"""Business calendars. The CN calendar knows public holidays and adjusted working days (调休)
from the `chinesecalendar` package; a year it does not cover falls back to weekends only."""

import datetime as dt
import logging
from functools import cache

import chinese_calendar

logger = logging.getLogger(__name__)


def is_cn_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_missing_year(day.year)
        return day.weekday() < 5


@cache
def _warn_missing_year(year: int) -> None:
    logger.warning("No official CN holiday schedule for %s yet: counting weekends only", year)


def next_cn_working_day(day: dt.date) -> dt.date:
    """The day itself if it is a working day, else the next one."""
    while not is_cn_working_day(day):
        day += dt.timedelta(days=1)
    return day
