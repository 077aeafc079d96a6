"""Bulk import of staff and their role grants from CSV or XLSX (columns: username, name, email,
role, unit; one row a grant, so a staff member holding two roles is on two rows). Grants are
only added, never withdrawn: a grant removed hands its holder's work orders back, which the admin
does one at a time. A new account has no usable password until an administrator sets one.
Every row is checked first; on any error nothing is written and every bad row is reported."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction

from org.choices import Role
from org.importer import RowError, numbered
from org.models import OrgUnit, RoleGrant

COLUMNS = ("username", "name", "email", "role", "unit")
LIMITS = {"username": 150, "name": 150, "email": 254}


@dataclass
class StaffResult:
    users_created: int = 0
    users_updated: int = 0
    grants_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Each account and grant written, with whether it is new, for the caller's audit record.
    written: list[tuple[models.Model, bool]] = field(default_factory=list)
    unit_paths: list[str] = field(default_factory=list)  # the units the file names


def _row_errors(number: int, row: dict[str, str], units: dict[str, bool]) -> list[RowError]:
    errors = [RowError(number, column, "必填 / required")
              for column in ("username", "role", "unit") if not row.get(column)]
    errors += [RowError(number, column, f"最多 {limit} 个字符 / at most {limit} characters")
               for column, limit in LIMITS.items() if len(row.get(column, "")) > limit]
    username, role, unit = row.get("username", ""), row.get("role", ""), row.get("unit", "")
    if username:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors.append(RowError(number, "username", "只能包含字母、数字和 @/./+/-/_ / letters, "
                                                       "digits and @/./+/-/_ only"))
    if row.get("email"):
        try:
            validate_email(row["email"])
        except ValidationError:
            errors.append(RowError(number, "email", "不是有效的邮箱地址 / not an email address"))
    if role and role not in Role.values:
        errors.append(RowError(number, "role", f"须为以下之一 / must be one of "
                                                f"{', '.join(Role.values)}"))
    if unit and unit not in units:
        errors.append(RowError(number, "unit", f"系统中无机构 {unit!r} / no unit {unit!r} in "
                                                f"the bank"))
    elif unit and not units[unit]:
        errors.append(RowError(number, "unit", f"机构 {unit!r} 已停用 / the unit {unit!r} is "
                                                f"deactivated"))
    return errors


def validate(rows: list[dict[str, str]]) -> list[RowError]:
    errors: list[RowError] = []
    units = dict(OrgUnit.objects.values_list("code", "active"))
    inactive = set(get_user_model().objects.filter(
        username__in={r.get("username", "") for r in rows}, is_active=False)
        .values_list("username", flat=True))
    grants: dict[tuple[str, str, str], int] = {}
    people: dict[str, tuple[int, str, str]] = {}
    for number, row in numbered(rows):
        errors += _row_errors(number, row, units)
        username = row.get("username", "")
        grant = (username, row.get("role", ""), row.get("unit", ""))
        if grant in grants:
            errors.append(RowError(number, "role", f"与第 {grants[grant]} 行重复 / duplicate of "
                                                    f"row {grants[grant]}"))
        grants.setdefault(grant, number)
        if username in inactive:
            errors.append(RowError(number, "username", "该账号已停用，请先在管理后台启用 / this "
                                                       "account is deactivated; reactivate it "
                                                       "in the admin first"))
        first = people.setdefault(username, (number, row.get("name", ""), row.get("email", "")))
        for index, column in ((1, "name"), (2, "email")):
            if row.get(column) and first[index] and row[column] != first[index]:
                errors.append(RowError(number, column, f"与第 {first[0]} 行不同 / differs from "
                                                        f"row {first[0]}"))
    return errors


def import_staff(rows: list[dict[str, str]]) -> StaffResult:
    errors = validate(rows)
    if errors:
        return StaffResult(errors=errors)
    result = StaffResult()
    users = get_user_model().objects
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={r["unit"] for r in rows})}
    with transaction.atomic():
        for row in rows:
            user = users.filter(username=row["username"]).first()
            if user is None:
                user = users.create_user(row["username"], email=row.get("email", ""),
                                         first_name=row.get("name", ""))  # no usable password
                result.users_created += 1
                result.written.append((user, True))
            elif ((row.get("name") and row["name"] != user.first_name)
                  or (row.get("email") and row["email"] != user.email)):
                user.first_name = row.get("name") or user.first_name
                user.email = row.get("email") or user.email
                user.save(update_fields=["first_name", "email"])
                result.users_updated += 1
                result.written.append((user, False))
            unit = units[row["unit"]]
            result.unit_paths.append(unit.path)
            grant, created = RoleGrant.objects.get_or_create(user=user, role=row["role"],
                                                             unit=unit)
            if created:
                result.grants_created += 1
                result.written.append((grant, True))
    return result
