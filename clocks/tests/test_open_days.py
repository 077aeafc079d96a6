"""Open days: a US federal holiday on which the bank is open is a business day for Reg E (12 CFR
1005.2(d): the days the institution is open), so it shortens business-day counts in `us` only;
China's rest days and the FCA's business days are the law's, and no open day moves a
calendar-day deadline. Every process sees a change at its next request."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from clocks import calendar, packs, rules
from clocks.models import ClosureDay
from org import cache

pytestmark = pytest.mark.django_db

D = dt.date
NY = ZoneInfo("America/New_York")
COLUMBUS_DAY = D(2026, 10, 12)  # a Monday
RECEIVED = dt.datetime(2026, 10, 8, 10, 0, tzinfo=NY)  # the Thursday before


def _reg_e_due() -> dt.date:
    us = packs.get("us-cfpb")
    reg_e = us.rule("reg_e_investigation")
    assert reg_e is not None
    return rules.due_at(us, reg_e, RECEIVED).astimezone(NY).date()


def _open(calendar_name: str, day: dt.date) -> ClosureDay:
    return ClosureDay.objects.create(calendar=calendar_name, day=day, kind="open",
                                     reason="branches open")


def test_reg_e_counts_columbus_day_only_when_the_bank_is_open_on_it() -> None:
    assert _reg_e_due() == D(2026, 10, 23)  # the holiday is not a business day
    _open("us", COLUMBUS_DAY)
    assert calendar.is_business_day("us", COLUMBUS_DAY)
    assert _reg_e_due() == D(2026, 10, 22)  # the tenth day the bank is open
    assert calendar.business_days_between("us", D(2026, 10, 9), D(2026, 10, 13)) == 2


def test_an_open_day_never_moves_a_calendar_day_deadline() -> None:
    us = packs.get("us-cfpb")
    cfpb = us.rule("cfpb_initial_response")
    assert cfpb is not None
    received = dt.datetime(2026, 9, 27, 10, 0, tzinfo=NY)  # day 15 is Columbus Day
    before = rules.due_at(us, cfpb, received)
    _open("us", COLUMBUS_DAY)
    assert rules.due_at(us, cfpb, received) == before
    # A roll, where a pack has one, passes the law's rest days, not the bank's hours.
    assert calendar.is_rest_day("us", COLUMBUS_DAY)
    assert calendar.next_working_day("us", COLUMBUS_DAY) == D(2026, 10, 13)


@pytest.mark.parametrize(("calendar_name", "day", "reason"), [
    ("cn", D(2026, 10, 1), "working and rest days are statutory"),  # National Day
    ("uk-eaw", D(2026, 8, 31), "FCA Glossary"),  # summer bank holiday
])
def test_an_open_day_is_refused_where_the_law_sets_the_business_days(
        calendar_name: str, day: dt.date, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason) as refused:
        ClosureDay(calendar=calendar_name, day=day, kind="open", reason="x").full_clean()
    assert "kind" in refused.value.message_dict
    # Nor does a row put there some other way count.
    _open(calendar_name, day)
    assert not calendar.is_business_day(calendar_name, day)


@pytest.mark.parametrize("day", [D(2026, 10, 13), D(2026, 10, 10)])  # a workday, a Saturday
def test_only_a_listed_weekday_holiday_can_be_declared_open(day: dt.date) -> None:
    with pytest.raises(ValidationError, match="only a holiday this calendar lists"):
        ClosureDay(calendar="us", day=day, kind="open", reason="x").full_clean()
    ClosureDay(calendar="us", day=COLUMBUS_DAY, kind="open", reason="x").full_clean()


def test_a_change_reaches_other_processes_at_their_next_request(
        django_capture_on_commit_callbacks: Any) -> None:
    cache.sync()  # as a request does
    assert _reg_e_due() == D(2026, 10, 23)  # the bank's days are now cached here
    kept = dict(cache._entries)
    with django_capture_on_commit_callbacks(execute=True):  # saved in another process
        day = _open("us", COLUMBUS_DAY)
    cache._entries.update(kept)
    assert _reg_e_due() == D(2026, 10, 23)  # no request yet: the copy still holds
    cache.sync()  # this process's next request
    assert _reg_e_due() == D(2026, 10, 22)
    day.delete()  # in this process: at once
    assert _reg_e_due() == D(2026, 10, 23)
