"""Accessibility of the staff pages as rendered (workspace/tests/a11y.py says what is checked)."""

from typing import Any

import pytest

from workspace.tests.a11y import problems

pytestmark = pytest.mark.django_db


def test_the_checker_finds_what_it_looks_for() -> None:
    bad = ('<h1>x</h1><input name="a"><input name="b" aria-describedby="nowhere">'
           '<input id="c" name="c" aria-invalid="true"><label for="c">C</label>'
           '<table><tr><th>h</th></tr></table><img src="x">')
    found = problems(bad)
    assert "unlabelled <input name=a>" in found and "<th> without scope" in found
    assert "<input name=b> aria-describedby -> missing #nowhere" in found
    assert "invalid <input name=c> not described by an alert" in found
    assert "<img> without alt" in found
    assert problems('<h1>x</h1><label>A <input name="a"></label>') == []


@pytest.mark.parametrize("path", ["/home/", "/", "/major/", "/dashboard/", "/intake/new/"])
def test_the_staff_pages_pass(cast: Any, register: Any, path: str) -> None:
    register()
    assert problems(cast.client("mia").get(path).content.decode()) == []


def test_the_complaint_page_passes_and_its_swapped_regions_are_live(cast: Any,
                                                                   register: Any) -> None:
    c = register()
    page = cast.client("mia").get(f"/complaints/{c.number}/").content.decode()
    assert problems(page) == []
    assert '<div id="customer-slot" aria-live="polite">' in page
    assert '<div id="similar" aria-live="polite">' in page


def test_an_action_forms_errors_are_tied_to_the_field_and_announced(cast: Any,
                                                                   register: Any) -> None:
    c = register()
    response = cast.client("mia").post(f"/complaints/{c.number}/actions/decline/",
                                       {"decline-version": "1", "decline-reason": "no_standing",
                                        "decline-detail": ""})
    page = response.content.decode()
    assert response.status_code == 422 and 'aria-invalid="true"' in page
    assert problems(page) == []


def test_the_registration_forms_errors_are_tied_to_the_field(cast: Any) -> None:
    page = cast.client("agent").post("/intake/new/", {"channel": "phone"}).content.decode()
    assert 'aria-invalid="true"' in page
    assert problems(page) == []


def test_the_letters_page_passes(cast: Any, register: Any) -> None:
    c = register()
    page = cast.client("mia").get(f"/intake/complaints/{c.number}/letter/").content.decode()
    assert problems(page) == []
    assert '<span lang="en">Letters sent</span>' in page


def test_the_audit_and_report_pages_pass(cast: Any, register: Any) -> None:
    register()
    assert problems(cast.client("audrey").get("/audit/").content.decode()) == []
    response = cast.client("cpo").get("/reports/")
    assert response.status_code == 200
    assert problems(response.content.decode()) == []


def test_the_focus_ring_keeps_3_to_1_contrast(cast: Any) -> None:
    page = cast.client("mia").get("/home/").content.decode()
    # #b45309 on white is 5.0:1 and #fbbf24 on the #123c69 header 6.7:1; #d97706 was 3.2 and 3.5
    assert "outline: 3px solid #b45309" in page
    assert "header :focus-visible { outline-color: #fbbf24; }" in page


def test_the_customers_own_words_carry_their_language(cast: Any, register: Any) -> None:
    """An English page reads the Chinese complaint text with a Chinese voice (WCAG 3.1.2)."""
    c = register()
    client = cast.client("mia")
    client.cookies["django_language"] = "en"
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert '<html lang="en">' in page
    assert 'id="content" lang="zh-Hans"' in page and 'id="claim" lang="zh-Hans"' in page
