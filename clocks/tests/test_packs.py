"""Every pack's table of cases: receipt time → due time of each obligation, in the pack's zone.
Receipts just before China's National Day and Spring Festival and on an adjusted working day, a
UK receipt across both DST changes and over Easter and Christmas, a US receipt before a federal
holiday, and receipts at 23:59 and 00:00 local time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from clocks import packs, rules

BJ, LDN, NY = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
EOD = dt.time(23, 59, 59)

pytestmark = pytest.mark.django_db  # business-day counts read the bank's closure days


def due_table(code: str, received: dt.datetime, flags: frozenset[str] = frozenset(),
              start: str = "receipt") -> dict[str, dt.datetime]:
    pack = packs.get(code)
    return {r.name: rules.due_at(pack, r, received).astimezone(pack.zone)
            for r in pack.starting(start, flags)}


def at(zone: ZoneInfo, day: str, time: dt.time = EOD) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), time, tzinfo=zone)


CN_CASES = [
    # received (Beijing time)              decision due (last day, end of day)
    (dt.datetime(2026, 9, 16, 10, 0, tzinfo=BJ), "2026-10-08"),  # day 15 = 1 Oct, National Day
    (dt.datetime(2026, 9, 22, 9, 0, tzinfo=BJ), "2026-10-08"),  # day 15 = 7 Oct, last day off
    (dt.datetime(2026, 1, 30, 10, 0, tzinfo=BJ), "2026-02-14"),  # Sat 14 Feb is worked: no roll
    (dt.datetime(2026, 2, 1, 10, 0, tzinfo=BJ), "2026-02-24"),  # Spring Festival 15-23 Feb
    (dt.datetime(2026, 1, 31, 10, 0, tzinfo=BJ), "2026-02-24"),  # day 15 = Sun 15 Feb, holiday
    (dt.datetime(2026, 2, 14, 10, 0, tzinfo=BJ), "2026-03-02"),  # received on an adjusted Sat
    (dt.datetime(2026, 11, 22, 23, 59, tzinfo=BJ), "2026-12-07"),  # 23:59 counts as that day
    (dt.datetime(2026, 11, 23, 0, 0, tzinfo=BJ), "2026-12-08"),  # 00:00 is the new day
    (dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC), "2026-12-08"),  # 00:00 Beijing, 16:00 UTC
]


@pytest.mark.parametrize(("received", "last_day"), CN_CASES)
def test_cn_decision_is_due_at_the_end_of_the_fifteenth_day_rolled_past_rest_days(
        received: dt.datetime, last_day: str) -> None:
    assert due_table("cn", received) == {"decision": at(BJ, last_day)}


def test_cn_review_clocks_run_thirty_days_from_the_decision_and_the_request() -> None:
    responded = dt.datetime(2026, 9, 1, 15, 0, tzinfo=BJ)  # day 30 = 1 Oct -> 8 Oct
    assert due_table("cn", responded, start="decision") == {
        "review_request_window": at(BJ, "2026-10-08")}
    requested = dt.datetime(2026, 11, 2, 9, 0, tzinfo=BJ)  # day 30 = 2 Dec, a Wednesday
    assert due_table("cn", requested, start="review_request") == {
        "review_decision": at(BJ, "2026-12-02")}


@pytest.mark.parametrize(("received", "day"), [
    (dt.datetime(2026, 10, 1, 23, 59, tzinfo=BJ), "2026-10-01"),  # a holiday: same day anyway
    (dt.datetime(2026, 10, 2, 0, 0, tzinfo=BJ), "2026-10-02"),
    (dt.datetime(2026, 2, 14, 8, 0, tzinfo=BJ), "2026-02-14"),
])
def test_cn_emergency_wants_everything_on_the_day_of_receipt(received: dt.datetime,
                                                             day: str) -> None:
    same_day = at(BJ, day)
    assert due_table("cn-emergency", received) == {
        "acceptance": same_day, "dispatch": same_day, "first_contact": same_day,
        "decision": same_day}


UK_CASES = [
    # received (London time); summary resolution (close of business); final response (8 weeks)
    (dt.datetime(2026, 3, 27, 12, 0, tzinfo=LDN), "2026-04-01", "2026-05-22"),  # GMT -> BST
    (dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC), "2026-04-01", "2026-05-24"),  # 02:30 BST Sun
    (dt.datetime(2026, 3, 28, 23, 59, tzinfo=LDN), "2026-04-01", "2026-05-23"),  # 23:59 GMT Sat
    (dt.datetime(2026, 10, 24, 23, 59, tzinfo=LDN), "2026-10-28", "2026-12-19"),  # BST -> GMT
    (dt.datetime(2026, 10, 25, 0, 0, tzinfo=LDN), "2026-10-28", "2026-12-20"),  # 00:00 Sunday
    (dt.datetime(2026, 4, 2, 10, 0, tzinfo=LDN), "2026-04-09", "2026-05-28"),  # Easter 3-6 Apr
    (dt.datetime(2026, 12, 23, 16, 0, tzinfo=LDN), "2026-12-30", "2027-02-17"),  # Christmas
]


@pytest.mark.parametrize(("received", "summary", "final"), UK_CASES)
def test_uk_summary_resolution_and_final_response(received: dt.datetime, summary: str,
                                                  final: str) -> None:
    assert due_table("uk-fca", received) == {
        "summary_resolution": at(LDN, summary, dt.time(17, 0)),
        "final_response": at(LDN, final),
    }


def test_uk_due_times_are_utc_instants_that_follow_the_clock_change() -> None:
    table = due_table("uk-fca", dt.datetime(2026, 3, 27, 12, 0, tzinfo=LDN))
    assert table["summary_resolution"].astimezone(dt.UTC).hour == 16  # 17:00 BST
    assert table["final_response"].astimezone(dt.UTC).hour == 22  # 23:59:59 BST


@pytest.mark.parametrize(("received", "due"), [
    (dt.datetime(2026, 12, 17, 11, 0, tzinfo=LDN), "2027-01-12"),  # 25, 28 Dec, 1 Jan off
    (dt.datetime(2026, 3, 20, 23, 59, tzinfo=LDN), "2026-04-14"),  # over Easter and BST
])
def test_uk_payment_services_complaints_run_on_fifteen_business_days(received: dt.datetime,
                                                                     due: str) -> None:
    table = due_table("uk-fca", received, frozenset({"payment_services"}))
    assert table["final_response_payment_services"] == at(LDN, due)
    assert "final_response" not in table  # DISP 1.6.2AR replaces the 8 weeks


def test_uk_ombudsman_window_is_six_months_from_the_final_response() -> None:
    responded = dt.datetime(2026, 8, 31, 10, 0, tzinfo=LDN)
    assert due_table("uk-fca", responded, start="decision") == {
        "fos_referral_window": at(LDN, "2027-02-28")}


US_CASES = [
    # received (New York time); CFPB 15 days; Reg E 10 business days
    (dt.datetime(2026, 11, 10, 10, 0, tzinfo=NY), "2026-11-25", "2026-11-25"),  # Veterans Day
    (dt.datetime(2026, 11, 10, 23, 59, tzinfo=NY), "2026-11-25", "2026-11-25"),  # 04:59 UTC 11th
    (dt.datetime(2026, 11, 11, 0, 0, tzinfo=NY), "2026-11-26", "2026-11-25"),  # on the holiday
    (dt.datetime(2026, 11, 25, 17, 0, tzinfo=NY), "2026-12-10", "2026-12-10"),  # Thanksgiving
    (dt.datetime(2026, 12, 31, 9, 0, tzinfo=NY), "2027-01-15", "2027-01-15"),  # New Year
]


@pytest.mark.parametrize(("received", "cfpb", "reg_e"), US_CASES)
def test_us_parallel_clocks(received: dt.datetime, cfpb: str, reg_e: str) -> None:
    table = due_table("us-cfpb", received, frozenset({"reg_e"}))
    assert table["cfpb_initial_response"] == at(NY, cfpb)
    assert table["reg_e_investigation"] == at(NY, reg_e)
    assert table["cfpb_final_response"] == at(
        NY, str(received.astimezone(NY).date() + dt.timedelta(days=60)))


def test_us_clocks_come_with_the_complaints_classification() -> None:
    received = dt.datetime(2026, 11, 10, 10, 0, tzinfo=NY)
    assert set(due_table("us-cfpb", received)) == {"cfpb_initial_response",
                                                    "cfpb_final_response"}
    table = due_table("us-cfpb", received, frozenset({"reg_e", "reg_z"}))
    assert set(table) == {"cfpb_initial_response", "cfpb_final_response",
                          "reg_e_investigation", "reg_z_acknowledgement", "reg_z_resolution"}
    assert table["reg_z_acknowledgement"] == at(NY, "2026-12-10")
    assert table["reg_z_resolution"] == at(NY, "2027-02-08")


def test_the_installation_picks_the_pack_and_a_wrong_name_fails_fast(settings: object) -> None:
    setattr(settings, "TOUSU_RULE_PACK", "uk-fca")  # noqa: B010
    assert packs.get().code == "uk-fca"
    setattr(settings, "TOUSU_RULE_PACK", "xx")  # noqa: B010
    with pytest.raises(ImproperlyConfigured, match="not a rule pack"):
        packs.get()


def test_unverified_numbers_can_be_overridden_per_installation(settings: object) -> None:
    setattr(settings, "TOUSU_RULE_OVERRIDES",  # noqa: B010
            '{"us-cfpb": {"reg_z_resolution": {"count": 60}}}')
    rule = packs.get("us-cfpb").rule("reg_z_resolution")
    assert rule is not None and rule.count == 60 and not rule.verified
    setattr(settings, "TOUSU_RULE_OVERRIDES",  # noqa: B010
            '{"us-cfpb": {"reg_z_resolution": {"count": "many"}}}')
    with pytest.raises(ImproperlyConfigured, match="count"):
        packs.get("us-cfpb")
    setattr(settings, "TOUSU_RULE_OVERRIDES", '{"us-cfpb": {"nonsense": {}}}')  # noqa: B010
    with pytest.raises(ImproperlyConfigured, match="unknown obligations"):
        packs.get("us-cfpb")


def test_every_pack_builds_and_cites_its_numbers() -> None:
    for code in packs.PACK_DATA:
        pack = packs.get(code)
        assert pack.headline(frozenset()).start == "receipt"
        assert all(r.cite for r in pack.obligations), code


@pytest.mark.parametrize(("raw", "message"), [
    # The law's numbers (REGULATION.md [V]) are not the installation's to change.
    ('{"cn": {"decision": {"count": 60}}}', "may not change decision"),
    ('{"cn": {"decision": {"verified": false, "count": 10}}}', "may not change decision"),
    ('{"uk-fca": {"final_response": {"count": 12}}}', "may not change final_response"),
    # Of an unverified obligation, only its numbers, not what it is.
    ('{"cn-emergency": {"acceptance": {"kind": "window"}}}', "may change only"),
    ('{"us-cfpb": {"reg_z_resolution": {"verified": true}}}', "may change only"),
    # Malformed values: a clear error at start, not a TypeError or a silent true.
    ('{"us-cfpb": {"reg_z_resolution": 60}}', "must be an object"),
    ('{"us-cfpb": {"reg_z_resolution": {"extensions": [60]}}}', "list of objects"),
    ('{"us-cfpb": {"reg_z_resolution": {"roll": "no"}}}', "true or false"),
])
def test_overrides_of_verified_numbers_and_malformed_overrides_fail_clearly(
        settings: object, raw: str, message: str) -> None:
    setattr(settings, "TOUSU_RULE_OVERRIDES", raw)  # noqa: B010
    with pytest.raises(ImproperlyConfigured, match=message):
        for code in packs.PACK_DATA:
            packs.get(code)


def test_a_bad_override_of_another_pack_fails_at_start_not_at_the_first_action(
        settings: object) -> None:
    from django.apps import apps

    setattr(settings, "TOUSU_RULE_PACK", "cn")  # noqa: B010
    setattr(settings, "TOUSU_RULE_OVERRIDES",  # noqa: B010
            '{"uk-fca": {"summary_resolution": {"ends_at": "25:00"}}}')
    with pytest.raises(ImproperlyConfigured, match="uk-fca"):
        apps.get_app_config("clocks").ready()
