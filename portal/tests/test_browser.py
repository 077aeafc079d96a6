"""A customer and staff close the loop in a real browser (Debian's Chromium, driven by
Playwright against pytest-django's live server)."""

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
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Debian chromium"),
              pytest.mark.django_db(transaction=True)]


def _code(number: str) -> str:
    from notify.models import Notification

    body = Notification.objects.filter(kind="portal_code").order_by("-pk").first().body
    return re.search(r"(\d{6})", body.replace(number, "")).group(1)


def _act(page: Any, action: str, fields: dict[str, str]) -> None:
    page.click(f"#action-{action} summary")
    for name, value in fields.items():
        page.fill(f"#id_{action}-{name}", value)
    page.click(f"form[data-action={action}] button[type=submit]")
    page.wait_for_load_state()


def test_a_complaint_goes_from_the_portal_to_closed(cast: Any, live_server: Any,
                                                    tmp_path: Path) -> None:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.core.cache import cache

    cache.clear()
    SHOTS.mkdir(exist_ok=True)
    evidence = tmp_path / "receipt.txt"
    evidence.write_text("扣款凭证 2024-05-01 300元", encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        customer = browser.new_page(viewport={"width": 390, "height": 844})
        customer.goto(f"{live_server.url}/portal/file/")
        customer.fill("#id_name", "李四")
        customer.fill("#id_phone", "13900001111")
        customer.select_option("#id_account_branch", "BJ01")
        customer.fill("#id_content", "信用卡年费未经同意被扣收300元")
        customer.fill("#id_claim", "退还年费")
        customer.set_input_files("#id_evidence", str(evidence))
        customer.screenshot(path=str(SHOTS / "portal-file-zh.png"), full_page=True)
        customer.click("button[type=submit] >> nth=-1")
        number = customer.inner_text("#tracking-number")
        customer.screenshot(path=str(SHOTS / "portal-filed-zh.png"), full_page=True)

        staff = browser.new_page()
        for who, steps in [
            ("mia", [("accept", {}), ("assign", {"unit": "BJ01", "handler": "alice"})]),
            ("alice", [("claim", {}), ("contact", {"summary": "已电话联系客户"}),
                       ("propose_resolution", {"verification": "调取扣费记录",
                                               "basis": "信用卡章程", "reasons": "未经同意扣费",
                                               "amount": "300"}),
                       ("start_follow_up", {})]),
        ]:
            staff.goto(f"{live_server.url}/login/")
            staff.fill("#id_username", who)
            staff.fill("#id_password", "pw-for-tests-only")
            staff.click("main button[type=submit]")
            staff.goto(f"{live_server.url}/complaints/{number}/")
            for action, fields in steps:
                _act(staff, action, fields)
                staff.screenshot(path=str(SHOTS / f"staff-{action}-zh.png"), full_page=True)
            staff.click("header form[action='/logout/'] button")

        customer.goto(f"{live_server.url}/portal/")
        customer.context.clear_cookies()
        customer.goto(f"{live_server.url}/portal/")
        customer.fill("#id_number", number)
        customer.click("main button[type=submit]")
        customer.fill("#id_code", _code(number))
        customer.click("main button[type=submit]")
        assert customer.get_attribute("#state", "data-state") == "follow_up"
        customer.select_option("#id_follow_up_result-score", "5")
        customer.click("#portal-follow_up_result button[type=submit]")
        assert customer.get_attribute("#state", "data-state") == "closed"
        customer.screenshot(path=str(SHOTS / "portal-closed-zh.png"), full_page=True)
        customer.select_option("#language", "en")
        customer.click("header button[type=submit]")
        assert "What has happened" in customer.content()
        customer.screenshot(path=str(SHOTS / "portal-closed-en.png"), full_page=True)
        browser.close()
