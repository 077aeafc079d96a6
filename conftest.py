"""The shared cast of every test: one bank, one customer, staff inside and outside the unit."""

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

os.environ.setdefault("TOUSU_TASKS", "manual")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Django removes its SQLite test database but not the WAL and shared-memory files beside
    it; remove this process's, so var/ does not fill up run after run."""
    from django.conf import settings

    database: dict[str, Any] = settings.DATABASES["default"] if settings.configured else {}
    if "sqlite" not in str(database.get("ENGINE")):
        return
    name = Path(database["TEST"]["NAME"])
    for leftover in name.parent.glob(f"{name.name}*"):
        leftover.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _fresh_triage() -> Iterator[None]:
    """No trained model unless a test brings one (a model `make run` trained into var/models
    must not change what the tests see), and empty in-process duplicate and similar indexes."""
    from triage import engine, service, similar

    engine.use(None)
    service.forget_index()
    similar.forget()
    yield
    engine.forget()
    service.forget_index()
    similar.forget()


@pytest.fixture(autouse=True)
def _fast_settings(settings: Any, tmp_path: Any) -> None:
    from org import cache
    from tousu.envconf import cache_settings

    cache.clear()  # rolled-back test data fires no signals; ids may be reused
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TOUSU_TASKS = "manual"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TOUSU_MAX_RECEIVED_AGE_DAYS = 100_000  # tests register on fixed dates of the past
    # The cache (rate limits) in each test database, rolled back with it: never the Redis that
    # the PostgreSQL pass shares between its workers and its Celery tests.
    settings.CACHES = cache_settings("")


class Cast:
    """HO > BJ > (BJ01, BJ02); HO > SH > SH01. People, each with their grants:
    agent (intake, BJ01), alice (handler, BJ01), bob (handler, SH01 — the outsider),
    mia (manager, BJ01), max (manager, BJ — the unit above BJ01), cpo (consumer protection, HO),
    audrey (auditor, HO), root (administrator, HO — no read role)."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from org.models import OrgUnit, RoleGrant

        unit = OrgUnit.objects.create
        self.ho = unit(code="HO", name="总行", kind="head_office")
        self.bj = unit(code="BJ", name="北京分行", kind="branch", parent=self.ho)
        self.bj01 = unit(code="BJ01", name="朝阳支行", kind="sub_branch", parent=self.bj)
        self.bj02 = unit(code="BJ02", name="海淀支行", kind="sub_branch", parent=self.bj)
        self.sh = unit(code="SH", name="上海分行", kind="branch", parent=self.ho)
        self.sh01 = unit(code="SH01", name="浦东支行", kind="sub_branch", parent=self.sh)
        users = get_user_model().objects
        self.users = {}
        for name, role, where in [
            ("agent", "intake_agent", self.bj01), ("alice", "handler", self.bj01),
            ("bob", "handler", self.sh01), ("mia", "manager", self.bj01),
            ("max", "manager", self.bj), ("cpo", "consumer_protection", self.ho),
            ("audrey", "auditor", self.ho), ("root", "administrator", self.ho),
        ]:
            user = users.create_user(name, password="pw-for-tests-only")
            RoleGrant.objects.create(user=user, role=role, unit=where)
            self.users[name] = user

    def principal(self, name: str) -> Any:
        from org.access import staff_principal

        return staff_principal(self.users[name])

    def client(self, name: str) -> Client:
        client = Client()
        client.force_login(self.users[name])
        return client


@pytest.fixture
def cast(db: None) -> Cast:
    return Cast()


def complaint_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "customer": {"name": "张三", "phone": "13812345678", "id_number": "11010519491231002X"},
        "unit": "BJ01",
        "product": "信用卡",
        "content": "信用卡年费未经同意被扣收300元，客服态度敷衍。",
        "claim": "退还年费并道歉",
        "amount": "300.00",
    }
    body.update(overrides)
    return body


@pytest.fixture
def register(cast: Cast) -> Callable[..., Any]:
    """Register a complaint as the intake agent, through the real action."""
    from complaints.actions import register_complaint
    from complaints.actions.register import request_fingerprint
    from complaints.schemas import ComplaintIn

    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> Any:
        body = complaint_body(**overrides)
        return register_complaint(
            cast.principal("agent"), ComplaintIn.model_validate(body),
            idempotency_key=f"test-{next(counter)}",
            request_hash=request_fingerprint(json.dumps(body).encode()),
        ).complaint

    return make


def admin_client() -> Client:
    """A superuser signed in through a confirmed TOTP device (the admin site requires one)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    boss = get_user_model().objects.create_superuser("boss", password="x")
    client = Client()
    client.force_login(boss)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.create(user=boss, name="phone",
                                                         confirmed=True).persistent_id
    session.save()
    return client
