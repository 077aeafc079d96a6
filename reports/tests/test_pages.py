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
