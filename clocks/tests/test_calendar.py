"""Calendars: China's adjusted working days, next year's official schedule added by hand, UK and
US holidays, and the bank's own closure days."""

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clocks import calendar, packs, rules
from clocks.models import ClosureDay

D = dt.date


def test_an_adjusted_saturday_is_a_working_day_in_china_and_a_holiday_weekday_is_not() -> None:
    assert not calendar.is_rest_day("cn", D(2026, 2, 14))  # Saturday worked for Spring Festival
    assert calendar.is_rest_day("cn", D(2026, 2, 16))  # Monday of the Spring Festival week
    assert calendar.is_rest_day("cn", D(2026, 11, 21))  # an ordinary Saturday
    assert not calendar.is_rest_day("cn", D(2026, 11, 23))


def test_uk_and_us_holidays_come_from_the_holidays_package() -> None:
    assert calendar.is_rest_day("uk-eaw", D(2026, 4, 3))  # Good Friday
    assert calendar.is_rest_day("uk-eaw", D(2026, 12, 28))  # Boxing Day observed
    assert not calendar.is_rest_day("uk-eaw", D(2026, 3, 17))  # St Patrick's: N. Ireland only
    assert calendar.is_rest_day("us", D(2026, 11, 11))  # Veterans Day
    assert calendar.is_rest_day("us", D(2026, 7, 3))  # Independence Day observed
    assert not calendar.is_rest_day("us", D(2026, 12, 24))


def test_next_years_official_cn_schedule_can_be_added_by_hand(tmp_path: Path,
                                                              monkeypatch: Any) -> None:
    schedule = tmp_path / "cn_schedule.json"
    schedule.write_text(json.dumps({
        "_about": "test",
        "2099": {"holidays": ["2099-01-01", "2099-01-02"], "workdays": ["2099-01-03"]},
    }))
    monkeypatch.setattr(calendar, "CN_SCHEDULE_FILE", schedule)
    calendar._cn_extra.cache_clear()
    calendar._year.cache_clear()
    try:
        assert calendar.is_rest_day("cn", D(2099, 1, 2))  # a Friday off
        assert not calendar.is_rest_day("cn", D(2099, 1, 3))  # a Saturday worked
        assert calendar.next_working_day("cn", D(2099, 1, 1)) == D(2099, 1, 3)
    finally:
        calendar._cn_extra.cache_clear()
        calendar._year.cache_clear()


def test_a_schedule_date_in_the_wrong_year_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    schedule = tmp_path / "cn_schedule.json"
    schedule.write_text(json.dumps({"2099": {"holidays": ["2098-12-31"]}}))
    monkeypatch.setattr(calendar, "CN_SCHEDULE_FILE", schedule)
    calendar._cn_extra.cache_clear()
    try:
        with pytest.raises(calendar.CalendarError):
            calendar._cn_extra()
    finally:
        calendar._cn_extra.cache_clear()


@pytest.mark.parametrize("text", [
    '{"2027": {"holidays": ["2027-01-01",]}}',  # a trailing comma: not JSON
    '{"2027": {"holidays": ["2027-02-30"]}}',  # no such day
    '{"2027": ["2027-01-01"]}',  # not an object of holidays and workdays
])
def test_a_broken_hand_edited_schedule_stops_the_start_with_its_reason(
        tmp_path: Path, monkeypatch: Any, text: str) -> None:
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    schedule = tmp_path / "cn_schedule.json"
    schedule.write_text(text)
    monkeypatch.setattr(calendar, "CN_SCHEDULE_FILE", schedule)
    calendar._cn_extra.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match=r"cn_schedule\.json"):
            apps.get_app_config("clocks").ready()
    finally:
        calendar._cn_extra.cache_clear()


def test_a_year_without_any_schedule_has_no_rest_days_and_says_so(caplog: Any) -> None:
    calendar._year.cache_clear()
    # A Saturday may be an adjusted working day (调休) in the schedule to come: rolling past it
    # would make a deadline later than the law's, so nothing rolls until the schedule is added.
    assert not calendar.is_rest_day("cn", D(2098, 1, 4))  # a Saturday
    assert not calendar.is_rest_day("cn", D(2098, 1, 1))  # New Year, but no schedule yet
    assert "No official CN holiday schedule for 2098" in caplog.text
    received = dt.datetime(2098, 1, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert rules.cn_days_due(received, 15).astimezone(ZoneInfo("Asia/Shanghai")).date() == D(
        2098, 1, 17)  # day 15 is a Saturday: due that day, never the Monday after


@pytest.mark.django_db
def test_bank_closure_days_lengthen_business_day_counts_only() -> None:
    NY = ZoneInfo("America/New_York")
    us = packs.get("us-cfpb")
    received = dt.datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("America/New_York"))  # a Monday
    reg_e = us.rule("reg_e_investigation")
    assert reg_e is not None
    assert rules.due_at(us, reg_e, received).astimezone(NY).date() == D(2026, 6, 15)
    # Reg E counts the days the institution is open (12 CFR 1005.2(d)).
    ClosureDay.objects.create(calendar="us", day=D(2026, 6, 3), reason="system cut-over")
    assert rules.due_at(us, reg_e, received).astimezone(NY).date() == D(2026, 6, 16)
    # A closure never extends a calendar-day period, not even on its last day (Art. 203 rolls
    # past statutory rest days only).
    ClosureDay.objects.create(calendar="cn", day=D(2026, 12, 7), reason="branch closed")
    received_cn = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert rules.decision_due(received_cn).astimezone(rules.CN_ZONE).date() == D(2026, 12, 7)
    assert not calendar.is_business_day("cn", D(2026, 12, 7))
    ClosureDay.objects.filter(calendar="us").delete()
    assert rules.due_at(us, reg_e, received).astimezone(NY).date() == D(2026, 6, 15)


@pytest.mark.django_db
def test_a_bank_closure_never_moves_an_fca_deadline() -> None:
    from django.core.exceptions import ValidationError

    uk = packs.get("uk-fca")
    received = dt.datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # a Monday
    summary = uk.rule("summary_resolution")
    assert summary is not None
    ClosureDay.objects.create(calendar="uk-eaw", day=D(2026, 6, 3), reason="system cut-over")
    due = rules.due_at(uk, summary, received).astimezone(ZoneInfo("Europe/London"))
    assert due.date() == D(2026, 6, 4)  # FCA Glossary
    with pytest.raises(ValidationError):
        ClosureDay(calendar="uk-eaw", day=D(2026, 6, 4), reason="x").full_clean()


def test_months_keep_the_day_or_take_the_months_last() -> None:
    assert rules.add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert rules.add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)
    assert rules.add_months(D(2026, 1, 15), 12) == D(2027, 1, 15)
