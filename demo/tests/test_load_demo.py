"""load_demo: the full demo covers every state through the real actions, a second run adds
nothing, the audit chain holds, and the texts are the real ones from the shared data files."""

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from clocks.models import Deadline
from complaints.choices import State
from complaints.models import Complaint, Customer, Event
from demo.data import EN_FILE, ZH_CAUSES, ZH_FILE, data_dir
from demo.loader import load_demo
from demo.people import API_KEY_NAME, STAFF
from demo.plan import build_plans
from notify.models import Notification
from org.keys import check_key
from org.models import ApiKey, OrgUnit, RoleGrant


@pytest.fixture(autouse=True)
def _demo_settings(settings: Any, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TOUSU_TASKS = "manual"
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def shared_data() -> Path:
    directory = data_dir()
    if not (directory / ZH_FILE).is_file() or not (directory / EN_FILE).is_file():
        pytest.skip(f"the shared data directory is missing ({directory}); set TOUSU_DATA_DIR")
    return directory


def _counts() -> dict[str, int]:
    return {
        "complaints": Complaint.objects.count(), "events": Event.objects.count(),
        "customers": Customer.objects.count(), "deadlines": Deadline.objects.count(),
        "notifications": Notification.objects.count(), "units": OrgUnit.objects.count(),
        "users": get_user_model().objects.count(), "grants": RoleGrant.objects.count(),
        "keys": ApiKey.objects.count(),
    }


def _file_texts(directory: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Read the files independently of the loader: text -> label (zh), text -> product (en)."""
    with (directory / ZH_FILE).open(newline="", encoding="utf-8-sig") as handle:
        chinese = {row["text"].strip(): row["label"] for row in csv.DictReader(handle)}
    with (directory / EN_FILE).open(newline="", encoding="utf-8-sig") as handle:
        english = {row["Consumer complaint narrative"].strip(): row["Product"]
                   for row in csv.DictReader(handle) if row["Consumer complaint narrative"]}
    return chinese, english


@pytest.mark.django_db
def test_full_demo_covers_every_state_and_a_second_run_adds_nothing(shared_data: Path) -> None:
    first = load_demo(directory=shared_data)

    assert first.created >= 200 and first.present == 0
    complaints = Complaint.objects.filter(idempotency_key__startswith="demo-")
    assert complaints.count() == first.created
    assert set(complaints.values_list("state", flat=True)) == set(State.values)
    assert first.states == {s: complaints.filter(state=s).count() for s in State.values}
    assert first.states[State.CLOSED] + first.states[State.RESPONDED] > first.created // 2
    assert {a.username for a in first.accounts} == {s.username for s in STAFF}
    assert first.api_token and check_key(first.api_token) == ApiKey.objects.get(name=API_KEY_NAME)
    before = _counts()

    second = load_demo(directory=shared_data)

    assert (second.created, second.present) == (0, first.created)
    assert second.accounts == [] and second.api_token is None
    assert _counts() == before
    assert second.states == first.states
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert f"OK: {before['complaints']} complaint chains verified" in out.getvalue()


@pytest.mark.django_db
def test_timelines_lie_in_the_past_in_order(shared_data: Path) -> None:
    load_demo(40, shared_data)
    now = timezone.now()
    for complaint in Complaint.objects.all():
        times = list(complaint.events.order_by("seq").values_list("at", flat=True))
        assert times == sorted(times) and times[-1] < now
        assert complaint.received_at <= times[0]
        assert now - dt.timedelta(days=61) < complaint.received_at
    merged = Complaint.objects.get(state=State.MERGED)
    assert merged.primary is not None and merged.primary.customer_id == merged.customer_id


@pytest.mark.django_db
def test_texts_come_from_the_data_files(shared_data: Path) -> None:
    report = load_demo(40, shared_data)
    chinese, english = _file_texts(shared_data)

    assert set(report.states) == set(State.values)  # every deck of 40 covers every state
    languages = set()
    for c in Complaint.objects.select_related("customer"):
        languages.add(c.customer.language)
        if c.customer.language == "zh-Hans":
            assert c.content in chinese
            assert c.codes.get("cause", "") == ZH_CAUSES.get(chinese[c.content], "")
        else:
            assert c.customer.language == "en"
            assert c.content in english
            assert c.product == english[c.content]
    assert languages == {"zh-Hans", "en"}


def test_plans_are_deterministic_and_a_prefix_of_longer_ones(shared_data: Path) -> None:
    from demo.data import chinese_texts, english_texts

    now = timezone.now()
    long = build_plans(240, chinese_texts(shared_data, 240), english_texts(shared_data, 240), now)
    short = build_plans(40, chinese_texts(shared_data, 40), english_texts(shared_data, 40), now)
    assert short == long[:40]
    assert len({p.text.text for p in long}) >= 200
    assert {p.unit for p in long} == {"BJ01", "BJ02", "SH01", "SH02"}


@pytest.mark.django_db
def test_command_shows_passwords_and_token_only_once(shared_data: Path) -> None:
    out = io.StringIO()
    call_command("load_demo", count=3, stdout=out, stderr=io.StringIO())
    first = out.getvalue()
    assert "tsk_" in first and "admin" in first
    assert "created 3, already present 0" in first

    out = io.StringIO()
    call_command("load_demo", count=3, stdout=out, stderr=io.StringIO())
    second = out.getvalue()
    assert "tsk_" not in second and "passwords" not in second
    assert "created 0, already present 3" in second


@pytest.mark.django_db
def test_without_data_the_org_staff_and_key_still_load(tmp_path: Path) -> None:
    report = load_demo(directory=tmp_path / "no-such-dir")

    assert "not found" in report.data_missing and report.created == 0
    assert set(OrgUnit.objects.values_list("code", flat=True)) == {
        "HO", "BJ", "SH", "BJ01", "BJ02", "SH01", "SH02"}
    assert OrgUnit.objects.get(code="SH02").path == "/HO/SH/SH02/"
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(next(a.password for a in report.accounts if a.username == "admin"))
    roles = set(RoleGrant.objects.values_list("role", flat=True))
    assert roles == {"intake_agent", "handler", "manager", "consumer_protection", "auditor",
                     "administrator"}
    assert RoleGrant.objects.filter(user__username="cpo_ho", role="consumer_protection",
                                    unit__code="HO").exists()
    key = ApiKey.objects.get(name=API_KEY_NAME)
    assert key.unit.code == "HO"
    assert key.scopes == ["complaints:act", "complaints:create", "complaints:read"]


@pytest.mark.django_db
def test_a_production_database_is_refused_unless_it_is_a_test_copy(settings: Any,
                                                                   tmp_path: Path) -> None:
    from django.core.management import CommandError

    from org.models import ApiKey

    settings.TOUSU_PRODUCTION = True
    with pytest.raises(CommandError, match="--test-copy"):
        call_command("load_demo", count=0, data_dir=tmp_path, stdout=io.StringIO())
    assert not ApiKey.objects.exists()
    call_command("load_demo", count=0, data_dir=tmp_path, test_copy=True, stdout=io.StringIO(),
                 stderr=io.StringIO())
    assert ApiKey.objects.exists()
