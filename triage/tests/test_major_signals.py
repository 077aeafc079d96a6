"""A complaint that may arise from a major natural disaster, safety accident or public-health
event (NFRA Order 2020 No. 3 Art. 29(1)) is recognised at registration and marked complex, for
staff to judge whether it is major: the words alone are too common to make it major."""

from typing import Any

import pytest

from notify.models import Notification
from triage.signals import read_signals, severity_for


@pytest.mark.parametrize(("text", "evidence"), [
    ("台风过后网点停业，我的贷款因此逾期被罚息", "台风"),
    ("地震后房屋倒塌，银行仍催收房贷", "地震"),
    ("疫情期间申请延期还款被拒", "疫情"),
    ("My branch closed after the flood and I was charged late fees", "flood"),
])
def test_a_disaster_related_complaint_is_flagged_for_staff_to_judge(text: str,
                                                                    evidence: str) -> None:
    signals = read_signals(text)
    assert ("disaster", evidence) in {(s.name, s.evidence) for s in signals}
    assert severity_for(signals, regulator_source=False) == "complex"


@pytest.mark.parametrize("text", ["年费扣收不合理", "The floodlight at the ATM is broken"])
def test_no_disaster_no_disaster_signal(text: str) -> None:
    assert "disaster" not in {s.name for s in read_signals(text)}


@pytest.mark.django_db
def test_a_disaster_related_complaint_is_registered_complex_and_not_announced(
        cast: Any, register: Any) -> None:
    c = register(content="洪水冲毁了我的店铺，银行仍按期扣款并收取罚息")
    assert c.severity == "complex" and "disaster" in {s["name"] for s in c.signals}
    assert not Notification.objects.filter(kind="major", complaint_id=c.pk).exists()
