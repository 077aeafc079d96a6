"""The report pages: only for reporting roles (a bilingual 403 for the others, and no menu
entry), tabs and options in both languages, errors that list the valid values."""

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_staff_without_a_reporting_role_get_a_bilingual_403_and_no_menu(cast: Any) -> None:
    for name in ("alice", "agent", "root"):
        client = cast.client(name)
        for path in ("/reports/", "/reports/statistics/", "/reports/disclosure/2026/"):
            res = client.get(path)
            page = res.content.decode()
            assert res.status_code == 403, (name, path)
            assert "您没有查看统计报表的权限" in page and "You may not read reports" in page
        assert 'data-nav="reports"' not in client.get("/home/").content.decode(), name
    for name in ("mia", "cpo", "audrey"):
        assert 'data-nav="reports"' in cast.client(name).get("/home/").content.decode(), name


def test_tabs_and_frequencies_are_labelled_in_both_languages(cast: Any) -> None:
    page = cast.client("cpo").get("/reports/statistics/").content.decode()
    assert 'data-report="root_causes"' in page and ">根因 Root causes</a>" in page
    assert ">root_causes<" not in page and ">fca<" not in page
    assert '<option value="week">周 week</option>' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("period=garbage", ["无效的统计期间 / Unknown period", "2026Q1"]),
        ("group=nonsense", ["未知统计维度 / Unknown dimension", "business"]),
        ("period=2026&from=2026-01-01&to=2026-02-01", ["统计期间重复 / Two periods given"]),
        ("from=2026-12-01&to=2026-01-01", ["统计期间为空 / Empty period", "is before from"]),
    ],
)
def test_a_bad_parameter_is_explained_in_both_languages_with_the_valid_values(
    cast: Any, query: str, expected: list[str]
) -> None:
    res = cast.client("cpo").get(f"/reports/statistics/?{query}")
    page = res.content.decode()
    assert res.status_code == 400
    assert all(text in page for text in expected), page[-2000:]


def test_fractions_are_shown_rounded() -> None:
    from reports.views import _cell

    assert _cell(0.0000942812) == "< 0.001"
    assert _cell(0.52349) == "0.523" and _cell(1.0) == "1" and _cell(7) == 7


@pytest.mark.parametrize(
    ("report", "query", "field"),
    [
        ("statistics", "period=9999-W52", "period"),
        ("alerts", "period=0001-W01", "period"),
        ("drill", "from=2026-01-01&to=9999-12-31", "to"),
        ("assessment", "from=0001-01-01&to=2026-03-31", "from"),
    ],
)
def test_a_period_off_the_calendar_is_refused_naming_the_parameter(
    cast: Any, report: str, query: str, field: str
) -> None:
    res = cast.client("cpo").get(f"/api/v1/reports/{report}?{query}")
    assert res.status_code == 422, res.content[:300]
    assert [e["field"] for e in res.json()["errors"]] == [field]
    assert res.json()["detail"] == "统计期间超出范围 / Period out of range"
    assert cast.client("cpo").get(f"/reports/{report}/?{query}").status_code == 400


@pytest.mark.parametrize(
    ("query", "chinese", "english"),
    [
        ("unit_depth=x", "unit_depth: 应为整数", "unit_depth: Input should be a valid integer"),
        ("from=2026-02-30", "from: 不是有效的日期", "from: Input should be a valid date"),
    ],
)
def test_a_malformed_parameter_is_explained_in_the_pages_language(
    cast: Any, query: str, chinese: str, english: str
) -> None:
    client = cast.client("cpo")
    zh = client.get(f"/reports/statistics/?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = client.get(f"/reports/statistics/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 400
    assert chinese in zh.content.decode()
    assert english in en.content.decode()


def test_to_alone_runs_from_the_start_of_its_year_and_from_alone_to_today(cast: Any) -> None:
    client = cast.client("cpo")
    res = client.get("/api/v1/reports/statistics?to=2025-06-30")
    assert res.status_code == 200, res.json()
    assert res.json()["period"] == {
        "from": "2025-01-01",
        "to": "2025-06-30",
        "label": "2025-01-01..2025-06-30",
    }
    res = client.get("/api/v1/reports/statistics?from=2999-01-01")
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "from"
