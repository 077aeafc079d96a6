"""Customer notices (resuming a paused clock tells the new due date, as the pause notice
promised; Chinese e-mail subjects; English pause wording) and what a referral does to clocks."""

from typing import Any

import pytest

from clocks import service as clocks
from complaints.tests.helpers import act, investigating
from notify.models import Notification

pytestmark = pytest.mark.django_db


def test_resuming_the_clock_tells_the_customer_the_new_date(cast: Any, register: Any) -> None:
    c = investigating(cast, register())
    c = act(cast, "alice", c, "pause", reason="mediation", detail="双方调解中")
    c = act(cast, "alice", c, "resume")
    notice = Notification.objects.get(complaint=c, kind="resume_notice")
    due = clocks.local_due(c.deadlines.get(obligation="decision")).date()
    assert f"{due:%Y年%m月%d日}" in notice.body and "恢复处理" in notice.body
    assert c.events.get(type="resume").payload["notified_by"] == "sms"


def test_an_emailed_notice_has_a_chinese_subject_not_its_code(cast: Any, register: Any) -> None:
    c = investigating(cast, register(customer={"name": "王五", "email": "wang@example.com"}))
    c = act(cast, "alice", c, "pause", reason="mediation", detail="双方调解中")
    act(cast, "alice", c, "resume")
    notice = Notification.objects.get(complaint=c, kind="resume_notice")
    assert notice.channel == "email"
    assert notice.subject == f"投诉恢复处理告知 {c.number}"


def test_the_english_pause_notice_reads_as_a_sentence(cast: Any, register: Any) -> None:
    c = investigating(cast, register(customer={"name": "Jane Doe", "phone": "13812345678",
                                               "language": "en"}))
    act(cast, "alice", c, "pause", reason="correction", detail="missing statement")
    body = Notification.objects.get(complaint=c, kind="pause_notice").body
    assert "is paused while we wait for the correction or the material we asked you for" in body
    assert "takes place" not in body


def test_a_referral_ends_the_banks_running_duties_and_says_which(cast: Any,
                                                                 register: Any) -> None:
    c = investigating(cast, register())
    c = act(cast, "alice", c, "refer", kind="litigation", body="北京市朝阳区人民法院")
    statuses = dict(c.deadlines.filter(kind="duty").values_list("obligation", "status"))
    assert statuses["decision"] == "cancelled" and "open" not in statuses.values()
    assert "decision" in c.events.get(type="refer").payload["deadlines_ended"]
