"""A customer and staff close the loop in a real browser (Debian's Chromium, driven by
Playwright against pytest-django's live server), once in Chinese and once in English: the
customer files with evidence and tracks with the one-time code, accepts the proposed visit and
answers the survey; staff accept, assign, claim, contact, note, schedule a visit, propose a
resolution above the unit's approval limit, another manager approves it, and follow-up starts."""

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "pw-for-tests-only"
# A browser set to Chinese (the default would follow the host's Accept-Language): English comes
# only from the language switch.
PAGE = {"locale": "zh-CN"}
MOBILE = {**PAGE, "viewport": {"width": 390, "height": 844}}
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Debian chromium"),
              pytest.mark.django_db(transaction=True)]


def _code(number: str) -> str:
    from notify.models import Notification

    body = Notification.objects.filter(kind="portal_code").order_by("-pk").first().body
    return re.search(r"(\d{6})", body.replace(number, "")).group(1)


def _state(number: str) -> str:
    from complaints.models import Complaint

    return str(Complaint.objects.get(number=number).state)


def _switch(page: Any, lang: str) -> None:
    """The language switch in the page header (a cookie: it outlives sign-out)."""
    page.select_option("header #language", lang)
    page.click("header form:has(#language) button[type=submit]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang", timeout=5000).lower().startswith(lang[:2])


def _act(page: Any, action: str, fields: dict[str, Any], shot: str) -> None:
    """Open the action's form on the complaint page, fill it and submit it; it must succeed."""
    page.click(f"#action-{action} summary")
    for name, value in fields.items():
        selector = f"#id_{action}-{name}"
        if value is True:
            page.check(selector)
        elif page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click(f"form[data-action={action}] button[type=submit]")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / f"staff-{action}-{shot[:2]}.png"), full_page=True)
    assert page.locator(".errorlist, .alert.error").count() == 0, page.inner_text("main")


def _staff(browser: Any, url: str, number: str, lang: str,
           rounds: list[tuple[str, list[tuple[str, dict[str, Any]]]]]) -> None:
    page = browser.new_page(**PAGE)
    page.goto(f"{url}/login/")
    if lang == "en":
        _switch(page, "en")
    assert page.get_attribute("html", "lang").lower() == lang
    for who, steps in rounds:
        page.goto(f"{url}/login/")
        page.fill("#id_username", who)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{url}/complaints/{number}/")
        for action, fields in steps:
            _act(page, action, fields, lang)
        page.click("header form[action='/logout/'] button")
    page.context.close()


def _loop(browser: Any, url: str, lang: str, evidence: Path) -> None:
    from django.core.cache import cache

    cache.clear()  # the portal's rate limits
    customer = browser.new_page(**MOBILE)
    customer.goto(f"{url}/portal/")
    if lang == "en":
        _switch(customer, "en")
    assert customer.get_attribute("html", "lang").lower() == lang
    customer.goto(f"{url}/portal/file/")
    customer.fill("#id_name", "李四" if lang != "en" else "Jane Doe")
    customer.fill("#id_phone", "13900001111")
    customer.select_option("#id_account_branch", "BJ01")
    customer.fill("#id_content", "信用卡年费未经同意被扣收8000元" if lang != "en"
                  else "An annual fee of 8000 was charged to my card without my consent")
    customer.fill("#id_claim", "退还年费" if lang != "en" else "Refund the fee")
    customer.set_input_files("#id_evidence", str(evidence))
    customer.screenshot(path=str(SHOTS / f"portal-file-{lang[:2]}.png"), full_page=True)
    customer.click("button[type=submit] >> nth=-1")
    number = customer.inner_text("#tracking-number")
    customer.screenshot(path=str(SHOTS / f"portal-filed-{lang[:2]}.png"), full_page=True)
    customer.context.close()

    visit_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    _staff(browser, url, number, lang, [
        ("mia", [("accept", {}), ("assign", {"unit": "BJ01", "handler": "alice"})]),
        ("alice", [("claim", {}), ("contact", {"summary": "已电话联系客户"}),
                   ("note", {"text": "客户提供了扣费短信"}),
                   ("schedule_visit", {"proposed_at": visit_at, "place": "朝阳支行营业厅",
                                       "customer_consent": True})]),
    ])
    assert _state(number) == "investigating"

    # The customer tracks it with the number and the one-time code, and agrees to the visit.
    customer = browser.new_page(**MOBILE)
    customer.goto(f"{url}/portal/")
    if lang == "en":
        _switch(customer, "en")
    assert customer.get_attribute("html", "lang").lower() == lang
    customer.fill("#id_number", number)
    customer.click("main button[type=submit]")
    customer.fill("#id_code", _code(number))
    customer.click("main button[type=submit]")
    assert customer.get_attribute("#state", "data-state") == "investigating"
    customer.screenshot(path=str(SHOTS / f"portal-track-{lang[:2]}.png"), full_page=True)
    customer.select_option("select[name$='-answer']", "accept")
    customer.click(".card:has(select[name$='-answer']) button[type=submit]")
    assert customer.locator("select[name$='-answer']").count() == 1  # still proposed, answered

    # 8000 is above BJ01's approval limit (5000): alice's proposal waits for mia's approval.
    _staff(browser, url, number, lang, [
        ("alice", [("propose_resolution", {"verification": "调取扣费记录", "basis": "信用卡章程",
                                           "reasons": "未经同意扣费", "amount": "8000"})]),
    ])
    assert _state(number) == "awaiting_approval"
    _staff(browser, url, number, lang, [
        ("mia", [("approve", {"comment": "同意退还"})]),
        ("alice", [("start_follow_up", {})]),
    ])
    assert _state(number) == "follow_up"

    customer.goto(f"{url}/portal/c/{number}/")
    assert customer.get_attribute("#state", "data-state") == "follow_up"
    assert "8000" in customer.inner_text("main")
    customer.select_option("#id_follow_up_result-score", "5")
    customer.screenshot(path=str(SHOTS / f"portal-survey-{lang[:2]}.png"), full_page=True)
    customer.click("#portal-follow_up_result button[type=submit]")
    assert customer.get_attribute("#state", "data-state") == "closed"
    text = customer.inner_text("main")
    assert ("What has happened" in text) == (lang == "en")
    customer.screenshot(path=str(SHOTS / f"portal-closed-{lang[:2]}.png"), full_page=True)
    customer.context.close()


def test_a_complaint_goes_from_the_portal_to_closed(cast: Any, live_server: Any,
                                                    tmp_path: Path) -> None:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(exist_ok=True)
    evidence = tmp_path / "receipt.txt"
    evidence.write_text("扣款凭证 2024-05-01 8000元", encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for lang in ("zh-hans", "en"):
                _loop(browser, live_server.url, lang, evidence)
        finally:
            browser.close()
