"""The demo bank: its org tree, its staff (one or more for every role) and one integration key.

Guarantees: every function only adds what is missing and returns what it added. An existing unit,
user or key is never changed; a new user's random password and a new key's token are returned
once and stored nowhere in plain text. Demo grants are (re)added to demo users that lack them,
because the demo walk acts as those users."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from org.choices import Role, UnitKind
from org.keys import issue_key
from org.models import ApiKey, OrgUnit, RoleGrant

# (code, name, kind, parent code), parents first.
UNITS: tuple[tuple[str, str, str, str], ...] = (
    ("HO", "总行", UnitKind.HEAD_OFFICE, ""),
    ("BJ", "北京分行", UnitKind.BRANCH, "HO"),
    ("SH", "上海分行", UnitKind.BRANCH, "HO"),
    ("BJ01", "北京朝阳支行", UnitKind.SUB_BRANCH, "BJ"),
    ("BJ02", "北京海淀支行", UnitKind.SUB_BRANCH, "BJ"),
    ("SH01", "上海浦东支行", UnitKind.SUB_BRANCH, "SH"),
    ("SH02", "上海徐汇支行", UnitKind.SUB_BRANCH, "SH"),
)
SUB_BRANCHES = ("BJ01", "BJ02", "SH01", "SH02")

API_KEY_NAME = "demo-mobile-banking"
API_KEY_SCOPES = ["complaints:create", "complaints:read", "complaints:act"]
API_KEY_UNIT = "HO"


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    grants: tuple[tuple[str, str], ...]  # (role, unit code)
    superuser: bool = False


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("agent_ho", "热线", "坐席", ((Role.INTAKE_AGENT, "HO"),)),
    StaffSpec("agent_bj01", "柜面", "朝阳", ((Role.INTAKE_AGENT, "BJ01"),)),
    StaffSpec("agent_sh01", "柜面", "浦东", ((Role.INTAKE_AGENT, "SH01"),)),
    StaffSpec("handler_bj01", "明", "李", ((Role.HANDLER, "BJ01"),)),
    StaffSpec("handler_bj02", "静", "王", ((Role.HANDLER, "BJ02"),)),
    StaffSpec("handler_sh01", "磊", "陈", ((Role.HANDLER, "SH01"),)),
    StaffSpec("handler_sh02", "芳", "周", ((Role.HANDLER, "SH02"),)),
    StaffSpec("manager_bj01", "强", "赵", ((Role.MANAGER, "BJ01"),)),
    StaffSpec("manager_sh01", "丽", "吴", ((Role.MANAGER, "SH01"),)),
    StaffSpec("manager_bj", "军", "刘", ((Role.MANAGER, "BJ"),)),
    StaffSpec("manager_sh", "敏", "徐", ((Role.MANAGER, "SH"),)),
    StaffSpec("cpo_ho", "华", "孙", ((Role.CONSUMER_PROTECTION, "HO"),)),
    StaffSpec("cpo_bj", "洁", "马", ((Role.CONSUMER_PROTECTION, "BJ"),)),
    StaffSpec("auditor_ho", "平", "朱", ((Role.AUDITOR, "HO"),)),
    StaffSpec("admin", "管理员", "系统", ((Role.ADMINISTRATOR, "HO"),), superuser=True),
)


@dataclass(frozen=True)
class NewAccount:
    username: str
    password: str
    grants: str  # "role@UNIT, ..."


def ensure_units() -> int:
    """Create the demo units that are missing; returns how many were created."""
    created = 0
    for code, name, kind, parent_code in UNITS:
        if OrgUnit.objects.filter(code=code).exists():
            continue
        parent = OrgUnit.objects.get(code=parent_code) if parent_code else None
        OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent)
        created += 1
    return created


def ensure_staff() -> list[NewAccount]:
    """Create the missing demo users with random strong passwords, and their grants."""
    users = get_user_model().objects
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[c for c, *_ in UNITS])}
    added: list[NewAccount] = []
    for spec in STAFF:
        with transaction.atomic():
            user = users.filter(username=spec.username).first()
            if user is None:
                password = secrets.token_urlsafe(12)
                user = users.create_user(
                    spec.username, email=f"{spec.username}@demo.tousu.invalid",
                    password=password, first_name=spec.first_name, last_name=spec.last_name,
                    is_staff=spec.superuser, is_superuser=spec.superuser,
                )
                added.append(NewAccount(spec.username, password, ", ".join(
                    f"{role}@{code}" for role, code in spec.grants)))
            for role, code in spec.grants:
                RoleGrant.objects.get_or_create(user=user, role=role, unit=units[code])
    return added


def ensure_api_key() -> str | None:
    """Issue the demo integration key if it does not exist; returns its token, else None."""
    if ApiKey.objects.filter(name=API_KEY_NAME).exists():
        return None
    _, token = issue_key(API_KEY_NAME, API_KEY_SCOPES, OrgUnit.objects.get(code=API_KEY_UNIT))
    return token
