"""The rollups stay equal to a full recomputation whatever the lifecycle does, the check
command names a difference, a rebuild repairs it, and registration pays one statement."""

import contextlib
import datetime as dt
import random
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from complaints.errors import ActionError
from complaints.lifecycle import allowed_from
from complaints.models import Complaint
from org.access import staff_principal
from org.models import RoleGrant
from reports import rebuild, rollups
from reports.models import Fact, Tally
from reports.tests.helpers import NOTICE, act, customer, register

UNITS = ["BJ01", "BJ02", "SH01", "BJ"]
# Walk forward more often than into an end state.
WEIGHT = {
    "withdraw": 0.2,
    "decline": 0.2,
    "merge": 0.3,
    "refer": 0.3,
    "accept": 4,
    "assign": 4,
    "claim": 4,
    "respond": 4,
    "propose_resolution": 3,
    "approve": 3,
    "start_follow_up": 4,
    "follow_up_result": 4,
    "request_review": 2,
    "decide_review": 3,
    "reopen": 2,
    "rule_validity": 0.5,
    "tag_root_cause": 0.5,
}
CODES = [
    {},
    {"business": "B02", "cause": "C07"},
    {"business": "B03", "cause": "C01", "channel": "H04"},
]


def payload(action: str, rng: random.Random, others: list[str]) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {
        "decline": {"reason": "not_a_complaint", "detail": "仅为咨询"},
        "assign": {"unit": rng.choice(UNITS), "reason": "转办"},
        "contact": {
            "kind": "call",
            "summary": "联系客户",
            "at": (now - dt.timedelta(hours=rng.randint(0, 90))).isoformat(),
        },
        "schedule_visit": {
            "proposed_at": (now + dt.timedelta(days=2)).isoformat(),
            "place": "网点",
            "customer_consent": True,
        },
        "record_visit": {"outcome": "已核实"},
        "note": {"text": "备注"},
        "add_evidence": {"name": "a.pdf", "content_base64": "JVBERi0xLjQgeA=="},
        "propose_resolution": {
            **NOTICE,
            "remedy": rng.choice(["refund", "apology", "compensation", "explanation"]),
            "amount": rng.choice(["100.00", "8000.00"]),
        },
        "return": {"reason": "依据不足"},
        "respond": {**NOTICE, "decision": rng.choice(["upheld", "rejected"])},
        "follow_up_result": {"satisfied": rng.random() < 0.5, "score": rng.randint(1, 5)},
        "request_review": {"reason": "不服"},
        "decide_review": {"outcome": rng.choice(["upheld", "changed"]), "reasons": "复核"},
        "refer": {"kind": "mediation", "body": "调解中心"},
        "record_referral_outcome": {"outcome": "调解成功"},
        "extend": {"total_days": 30, "reason": "案情复杂", "approver": "max"},
        "pause": {"reason": "appraisal", "detail": "鉴定"},
        "escalate": {"severity": "major", "reason": "媒体"},
        "record_group_size": {"group_size": rng.choice([3, 20, 25]),
                              "in_person": rng.random() < 0.5, "reason": "到场人数"},
        "withdraw": {"reason": "撤回", "via": "phone"},
        "merge": {"into": rng.choice(others) if others else "TS-NONE"},
        "reopen": {"reason": "新事实"},
        "rule_validity": {
            "validity": rng.choice(["valid", "invalid", "malicious"]),
            "reason": "认定",
        },
        "tag_root_cause": {"root_cause": rng.choice(["RC01", "RC02", "RC04"])},
    }.get(action, {})


@pytest.fixture
def lead(cast: Any) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("lead")
    for role in ["handler", "manager", "consumer_protection", "intake_agent"]:
        RoleGrant.objects.create(user=user, role=role, unit=cast.ho)
    return staff_principal(user)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(10, 60))
def test_rollups_equal_a_full_recomputation_after_random_activity(
    cast: Any, lead: Any, seed: int, steps: int
) -> None:
    rng = random.Random(seed)  # noqa: S311 (test data)
    numbers = []
    for _ in range(rng.randint(1, 4)):
        ago = dt.timedelta(days=rng.randint(0, 70), hours=rng.randint(0, 23))
        c = register(
            cast,
            principal=lead,
            ago=ago,
            customer=customer(rng.randint(1, 2)),
            unit=rng.choice(UNITS[:3]),
            codes=rng.choice(CODES),
            channel=rng.choice(["phone", "web"]),
            source=rng.choice(["direct", "head_office", "media"]),
        )
        numbers.append(c.number)
    for _ in range(steps):
        number = rng.choice(numbers)
        state = Complaint.objects.get(number=number).state
        choices = allowed_from(state)
        if not choices:
            continue
        action = rng.choices(choices, [WEIGHT.get(a, 1.0) for a in choices])[0]
        # A refused action is refused as a whole: the rollups must not have moved either.
        with contextlib.suppress(ActionError, ValidationError):
            act(lead, number, action, **payload(action, rng, [n for n in numbers if n != number]))
    result = rebuild.check()
    assert result.ok, result.differences[:5]


def test_the_check_names_a_difference_and_a_rebuild_repairs_it(cast: Any) -> None:
    register(cast, customer=customer(1), codes={"business": "B02", "cause": "C07"})
    register(cast, customer=customer(2))
    call_command("rebuild_rollups", "--check")
    Tally.objects.filter(cube=1, business="B02").update(n=7)
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--check")
    assert any("tally" in d for d in rebuild.check().differences)
    call_command("rebuild_rollups")
    assert rebuild.check().ok
    assert Tally.objects.filter(cube=1, business="B02", grain="m").get().n == 1


def test_on_postgresql_a_cell_is_kept_as_slots_that_add_up(cast: Any, settings: Any) -> None:
    """Concurrent writers of one cell take different rows on PostgreSQL (no queue on one row
    lock); SQLite keeps one row. Either way the rows add up to the recomputation."""
    settings.TOUSU_ROLLUP_SLOTS = 4
    for i in range(6):
        c = register(cast, customer=customer(i), codes={"business": "B02", "cause": "C07"})
        act(cast.principal("mia"), c.number, "accept")
    cell = Tally.objects.filter(cube=1, business="B02", grain="m")
    slots = set(cell.values_list("slot", flat=True))
    assert slots == ({0} if connection.vendor == "sqlite" else {0, 1, 2, 3})
    assert sum(cell.values_list("n", flat=True)) == 6
    assert rebuild.check().ok
    call_command("rebuild_rollups")  # a rebuild folds the slots back into one row
    assert list(cell.values_list("slot", "n")) == [(0, 6)]


def test_a_complaint_acted_on_keeps_its_facts_and_a_note_writes_no_cell(cast: Any) -> None:
    c = register(cast, customer=customer(1))
    assert not Fact.objects.exists()  # registration wrote only its cells
    act(cast.principal("mia"), c.number, "accept")
    assert Fact.objects.get(pk=c.pk).state == "accepted"
    with CaptureQueriesContext(connection) as queries:
        act(cast.principal("mia"), c.number, "note", text="内部备注")
    assert not [
        q for q in queries.captured_queries if "reports_tally" in q["sql"] and "INSERT" in q["sql"]
    ]
    assert rebuild.check().ok


def test_registration_pays_exactly_one_statement_for_the_rollups(
    cast: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(cast, customer=customer(1))  # warm caches

    def fewest_queries(first: int) -> int:
        # The fewest of two registrations: a per-process cache expiring (org/cache.py) between
        # them must not count as the hook's cost.
        counts = []
        for n in (first, first + 1):
            with CaptureQueriesContext(connection) as queries:
                register(cast, customer=customer(n))
            counts.append(len(queries.captured_queries))
        return min(counts)

    with_hook = fewest_queries(2)
    monkeypatch.setattr(rollups, "on_register", lambda complaint: None)
    assert with_hook - fewest_queries(4) == 1
