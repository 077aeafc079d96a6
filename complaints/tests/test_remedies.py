"""A remedy that pays money (refund, compensation) names its amount, above 0."""

from typing import Any

import pytest

from complaints.errors import ActionError
from complaints.models import Resolution
from complaints.tests.helpers import act, investigating

pytestmark = pytest.mark.django_db
NOTICE = {"decision": "upheld", "verification": "调取交易记录", "basis": "合同第5条",
          "reasons": "年费未经同意收取"}


@pytest.mark.parametrize("remedy", ["refund", "compensation"])
@pytest.mark.parametrize("amount", [None, "0.00"])
def test_a_refund_or_compensation_without_an_amount_is_refused(
        cast: Any, register: Any, remedy: str, amount: str | None) -> None:
    c = investigating(cast, register())
    with pytest.raises(ActionError) as refused:
        act(cast, "alice", c, "propose_resolution", **NOTICE, remedy=remedy, amount=amount)
    field, message = refused.value.errors[0]
    assert field == "amount" and "金额" in message and "amount above 0" in message
    assert not Resolution.objects.filter(complaint=c).exists()
    done = act(cast, "alice", c, "propose_resolution", **NOTICE, remedy=remedy, amount="50.00")
    assert done.state == "responded"


def test_an_apology_needs_no_amount(cast: Any, register: Any) -> None:
    c = investigating(cast, register())
    assert act(cast, "alice", c, "propose_resolution", **NOTICE, remedy="apology").state == \
        "responded"


@pytest.mark.parametrize("action", ["approve", "respond"])
def test_a_pending_refund_without_an_amount_is_not_approved(cast: Any, register: Any,
                                                            action: str) -> None:
    c = investigating(cast, register())
    c = act(cast, "mia", c, "escalate", reason="涉及多名客户")
    c = act(cast, "alice", c, "propose_resolution", **NOTICE, remedy="apology")
    assert c.state == "awaiting_approval"
    Resolution.objects.filter(complaint=c).update(remedy="refund")  # proposed before the rule
    fields = NOTICE if action == "respond" else {}
    with pytest.raises(ActionError) as refused:
        act(cast, "mia", c, action, **fields)
    assert refused.value.errors[0][0] == "amount"
