"""Every lifecycle action, clicked in a real browser (Debian's Chromium, driven by Playwright
against pytest-django's live server), once in Chinese and once in English.

The customer files a complaint with evidence on the portal (a browser that asks for English
still gets Chinese until the switch is used), files a second one and withdraws it, tracks the
first with the one-time code, agrees to the visit, adds information and evidence, answers the
survey and asks for a review. Staff, each in their own browser, take every other action on the
workspace: the main complaint goes accept → assign → claim → investigate → propose → return →
propose → approve → follow-up → (customer) → review decided by the unit above; a second one is
declined; a third is merged into a fourth, which gets its number of complainants, is extended,
paused, resumed, escalated, referred, closed by the referral's outcome, tagged with its root
cause, reopened and answered; the withdrawn one gets its validity ruling. Triage's suggestions
on the main complaint are accepted and overridden on its page. The test fails if an action of the
lifecycle table is not clicked. Screenshots of every page go to test-artifacts/."""

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "pw-for-tests-only"
# Staff browsers are set to Chinese; the customer's asks for English, and the portal still
# opens in Chinese (English comes only from the language switch).
STAFF = {"locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}
MOBILE = {"locale": "en-US", "viewport": {"width": 390, "height": 844}}
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Debian chromium"),
              pytest.mark.django_db(transaction=True)]


class Walk:
    """One language's walk: the staff browsers (signed in once each), what was clicked, and the
    screenshots taken."""

    def __init__(self, browser: Any, url: str, lang: str) -> None:
        self.browser, self.url, self.lang = browser, url, lang
        self.pages: dict[str, Any] = {}
        self.staff_clicked: set[str] = set()
        self.portal_clicked: set[str] = set()

    def shot(self, page: Any, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{name}-{self.lang[:2]}.png"), full_page=True)

    def staff(self, who: str) -> Any:
        """`who`'s browser, signed in (the first one uses the language switch; the others
        carry its cookie)."""
        if who in self.pages:
            return self.pages[who]
        context = self.browser.new_context(**STAFF)
        page = context.new_page()
        page.goto(f"{self.url}/login/")
        if self.lang == "en":
            if self.pages:
                context.add_cookies([{"name": "django_language", "value": "en",
                                      "url": self.url}])
                page.reload()
            else:
                _switch(page, "en")
        assert page.get_attribute("html", "lang").lower() == self.lang
        page.fill("#id_username", who)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        self.pages[who] = page
        return page

    def act(self, who: str, number: str, steps: list[tuple[str, dict[str, Any]]]) -> None:
        """`who` opens the complaint and takes each action through its form; each must
        succeed."""
        page = self.staff(who)
        page.goto(f"{self.url}/complaints/{number}/")
        for action, fields in steps:
            page.click(f"#action-{action} summary")
            for name, value in fields.items():
                selector = f"#id_{action}-{name}"
                if value is True:
                    page.check(selector)
                elif isinstance(value, Path):
                    page.set_input_files(selector, str(value))
                elif page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
                    page.select_option(selector, value)
                else:
                    page.fill(selector, value)
            with page.expect_navigation():
                page.click(f"form[data-action={action}] button[type=submit]")
            assert page.locator(".errorlist, .alert.error").count() == 0, page.inner_text("main")
            self.shot(page, f"staff-{action}")
            self.staff_clicked.add(action)

    def classify(self, who: str, number: str) -> None:
        """`who` accepts triage's cause suggestion and overrides its business category, then
        looks up similar resolved cases."""
        page = self.staff(who)
        page.goto(f"{self.url}/complaints/{number}/")
        with page.expect_navigation():
            page.click("#suggestion-zh_cause [data-decide=accept]")
        assert page.get_attribute("#suggestion-zh_cause", "data-status") == "accepted"
        page.select_option("#choice-zh_business", "code:B02")
        with page.expect_navigation():
            page.click("#suggestion-zh_business [data-decide=override]")
        assert page.get_attribute("#suggestion-zh_business", "data-status") == "overridden"
        page.click("#similar a")
        page.wait_for_selector("#similar-cases")
        page.goto(f"{self.url}/complaints/{number}/")
        self.shot(page, "staff-triage")

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


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


def _portal(walk: Walk) -> Any:
    """A customer's phone browser on the portal, asking for English: the portal answers in
    Chinese until the switch is used."""
    page = walk.browser.new_context(**MOBILE).new_page()
    page.goto(f"{walk.url}/portal/")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    if walk.lang == "en":
        _switch(page, "en")
    assert page.get_attribute("html", "lang").lower() == walk.lang
    return page


def _customer_acts(walk: Walk, page: Any, action: str, fill: Callable[[], None]) -> None:
    """The customer fills one of the portal's forms on the complaint page and sends it."""
    fill()
    with page.expect_navigation():
        page.click(f"#portal-{action} button[type=submit]")
    assert page.locator(".alert, .errorlist").count() == 0, page.inner_text("main")
    walk.portal_clicked.add(action)
    walk.shot(page, f"portal-{action}")


def _file(walk: Walk, page: Any, content: str, evidence: Path | None = None) -> str:
    en = walk.lang == "en"
    page.goto(f"{walk.url}/portal/file/")
    page.fill("#id_name", "Jane Doe" if en else "李四")
    page.fill("#id_phone", "13900001111")
    page.select_option("#id_account_branch", "BJ01")
    page.fill("#id_content", content)
    page.fill("#id_claim", "Refund the fee" if en else "退还年费")
    if evidence:
        page.set_input_files("#id_evidence", str(evidence))
        walk.shot(page, "portal-file")
    page.click("button[type=submit] >> nth=-1")
    number: str = page.inner_text("#tracking-number")
    return number


def _suggest(number: str) -> None:
    """What a trained model would have suggested at registration (none is trained in tests)."""
    from django.utils import timezone

    from complaints.models import Complaint
    from triage.models import Suggestion

    c = Complaint.objects.get(number=number)
    for head, dimension, options in [
        ("zh_cause", "cause", [("fees", "定价收费 Pricing and fees", "C07", 0.71),
                               ("consent", "自主选择权 Freedom of choice", "C06", 0.18),
                               ("service", "服务态度 Service", "C01", 0.05)]),
        ("zh_business", "business", [("savings", "人民币储蓄 RMB savings", "B01", 0.41),
                                     ("cards", "银行卡 Bank cards", "B02", 0.38),
                                     ("loans", "贷款 Loans", "B03", 0.1)]),
    ]:
        Suggestion.objects.create(
            complaint=c, head=head, dimension=dimension, uncertain=options[0][3] < 0.5,
            model_version="test", created_at=timezone.now(),
            options=[{"label": label, "name": name, "code": code, "confidence": p}
                     for label, name, code, p in options])


def _others(register: Callable[..., Any], lang: str) -> dict[str, str]:
    """Complaints registered by the intake agent to reach the other branches: one to decline,
    one to merge into another of the same customer (which then takes the clock and referral
    path)."""
    from reports.models import RootCause

    # A transactional test database is flushed between tests: the seeded list may be gone.
    RootCause.objects.get_or_create(code="RC02", defaults={"label": "员工操作失误 Staff error"})
    text = "ATM withdrew 500 but dispensed no cash" if lang == "en" else "ATM取款500元未出钞"
    return {"decline": register().number, "primary": register(content=text).number,
            "duplicate": register(content=text).number}


def _walk(walk: Walk, register: Callable[..., Any], evidence: Path) -> None:
    from django.core.cache import cache

    cache.clear()  # the portal's rate limits
    en = walk.lang == "en"
    url = walk.url

    # The customer files two complaints and withdraws the second.
    customer = _portal(walk)
    number = _file(walk, customer, "An annual fee of 8000 was charged to my card without my "
                   "consent" if en else "信用卡年费未经同意被扣收8000元", evidence)
    walk.shot(customer, "portal-filed")
    _suggest(number)
    withdrawn = _file(walk, customer, "My card was blocked for no reason" if en
                      else "银行卡无故被冻结")
    customer.goto(f"{url}/portal/c/{withdrawn}/")
    _customer_acts(walk, customer, "withdraw", lambda: (customer.fill(
        "#id_withdraw-reason", "Sorted out at the branch" if en else "已在网点解决"),
        customer.check("#id_withdraw-confirm")))
    assert customer.get_attribute("#state", "data-state") == "withdrawn"
    customer.context.close()

    # Staff: the main complaint to its handler, the decline and merge branches, the clocks.
    other = _others(register, walk.lang)
    visit_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    walk.act("mia", number, [("accept", {}), ("assign", {"unit": "BJ01", "handler": "alice"})])
    walk.act("mia", other["decline"], [("decline", {"reason": "not_a_complaint",
                                                    "detail": "客户咨询年费标准",
                                                    "confirm": True})])
    assert _state(other["decline"]) == "declined"
    walk.act("mia", other["duplicate"], [("merge", {"into": other["primary"], "confirm": True})])
    assert _state(other["duplicate"]) == "merged"
    walk.act("mia", other["primary"], [
        ("accept", {}),
        ("record_group_size", {"group_size": "3", "reason": "次日3名客户到网点共同投诉"}),
        ("extend", {"total_days": "30", "reason": "需调取监控录像", "approver": "max"}),
        ("pause", {"reason": "appraisal", "detail": "送交外部鉴定"}),
        ("resume", {}),
        ("escalate", {"severity": "major", "reason": "客户称将向媒体反映"}),
        ("refer", {"kind": "mediation", "body": "北京银行业纠纷调解中心"}),
        ("record_referral_outcome", {"outcome": "调解成功，双方达成协议"}),
        ("tag_root_cause", {"root_cause": "RC02", "note": "柜员操作失误"}),
        ("reopen", {"reason": "客户提出新的情况"}),
    ])
    # A major complaint is answered only through an approved resolution: alice proposes, and
    # mia answers with the proposal's decision (which approves it).
    answer = {"decision": "partially_upheld", "verification": "调取监控录像",
              "basis": "银行卡章程", "reasons": "已核实部分属实"}
    walk.act("alice", other["primary"], [("propose_resolution", answer)])
    walk.act("mia", other["primary"], [("respond", answer)])
    assert _state(other["primary"]) == "responded"
    walk.act("cpo", withdrawn, [("rule_validity", {"validity": "valid",
                                                   "reason": "客户反映属实"})])
    walk.classify("alice", number)
    walk.act("alice", number, [
        ("claim", {}), ("contact", {"summary": "已电话联系客户"}),
        ("note", {"text": "客户提供了扣费短信"}),
        ("add_evidence", {"content_base64": evidence, "description": "扣费短信截图"}),
        ("schedule_visit", {"proposed_at": visit_at, "place": "朝阳支行营业厅",
                            "customer_consent_1": True}),  # not yet: the customer answers
    ])
    assert _state(number) == "investigating"

    # The customer tracks it with the number and the one-time code, agrees to the visit and
    # sends more information and evidence.
    customer = _portal(walk)
    customer.fill("#id_number", number)
    customer.click("main button[type=submit]")
    walk.shot(customer, "portal-verify")
    customer.fill("#id_code", _code(number))
    customer.click("main button[type=submit]")
    assert customer.get_attribute("#state", "data-state") == "investigating"
    walk.shot(customer, "portal-track")
    customer.select_option("select[name$='-answer']", "accept")
    with customer.expect_navigation():
        customer.click(".card:has(select[name$='-answer']) button[type=submit]")
    assert customer.locator("select[name$='-answer']").count() == 0  # answered once
    assert ("You agreed to the proposed visit" if en else "您同意了上门核实") in \
        customer.inner_text(".timeline")
    walk.portal_clicked.add("answer_visit")
    _customer_acts(walk, customer, "note", lambda: customer.fill(
        "#id_note-text", "The fee was charged on 1 May" if en else "扣费时间为5月1日"))
    _customer_acts(walk, customer, "add_evidence", lambda: customer.set_input_files(
        "#id_add_evidence-file", str(evidence)))

    # 8000 is above BJ01's approval limit (5000): alice's proposal waits for mia, who returns
    # it once and approves the second.
    propose = ("propose_resolution", {"verification": "调取扣费记录", "basis": "信用卡章程",
                                      "reasons": "未经同意扣费", "amount": "8000"})
    walk.act("alice", number, [("record_visit", {"outcome": "客户出示扣费短信"}), propose])
    assert _state(number) == "awaiting_approval"
    walk.act("mia", number, [("return", {"reason": "请补充扣费依据"})])
    assert _state(number) == "investigating"
    walk.act("alice", number, [propose])
    walk.act("mia", number, [("approve", {"comment": "同意退还"})])
    walk.act("alice", number, [("start_follow_up", {})])
    assert _state(number) == "follow_up"

    # The customer answers the survey (closed), then asks for a review anyway.
    customer.goto(f"{url}/portal/c/{number}/")
    assert customer.get_attribute("#state", "data-state") == "follow_up"
    assert "8000" in customer.inner_text("main")
    walk.shot(customer, "portal-survey")
    _customer_acts(walk, customer, "follow_up_result", lambda: customer.select_option(
        "#id_follow_up_result-score", "5"))
    assert customer.get_attribute("#state", "data-state") == "closed"
    _customer_acts(walk, customer, "request_review", lambda: customer.fill(
        "#id_request_review-reason", "The refund is missing the interest" if en
        else "退款未包含利息"))
    assert customer.get_attribute("#state", "data-state") == "reviewing"

    # The unit above decides the review; the customer sees the loop closed.
    walk.act("max", number, [("decide_review", {"outcome": "upheld",
                                                "reasons": "原决定并无不当"})])
    customer.goto(f"{url}/portal/c/{number}/")
    assert customer.get_attribute("#state", "data-state") == "closed"
    text = customer.inner_text("main")
    assert ("What has happened" in text) == en
    assert ("支持" in text) != en  # the decision's label in the page's language only
    walk.shot(customer, "portal-closed")
    customer.context.close()


def test_every_lifecycle_action_is_clicked_in_both_languages(
        cast: Any, register: Callable[..., Any], live_server: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from complaints.lifecycle import INTEGRATION_ACTIONS, LIFECYCLE

    monkeypatch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop
    SHOTS.mkdir(exist_ok=True)
    evidence = tmp_path / "receipt.txt"
    evidence.write_text("扣款凭证 2024-05-01 8000元", encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for lang in ("zh-hans", "en"):
                walk = Walk(browser, live_server.url, lang)
                try:
                    _walk(walk, register, evidence)
                finally:
                    walk.close()
                # A new action in the table fails here until the walk clicks it.
                assert walk.staff_clicked | walk.portal_clicked == set(LIFECYCLE), lang
                assert walk.portal_clicked == INTEGRATION_ACTIONS, lang
        finally:
            browser.close()
