"""The quarterly branch assessment, configured as data (AssessmentRule, AssessmentPost,
AssessmentSetting; editable in the admin).

Only complaints ruled valid count. For each valid complaint received in the quarter, the active
rule with the highest priority whose source and impact match applies: its amount is charged to
each person holding one of its posts for the complaint (the responsible person is the staff
member complained about, else the holder of the `responsible` post; the others are the nearest
holders of the post at or above the complaint's unit), and its points come off the responsible
unit's score. Every unit starts the quarter from the base points and gains the bonus when
neither it nor any unit below it had a valid complaint."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from complaints.models import Complaint, Resolution
from org.models import OrgUnit
from reports.choices import Impact, Post
from reports.facts import zone
from reports.models import AssessmentPost, AssessmentRule, AssessmentSetting
from reports.scope import Scope
from reports.stats import window
from reports.tables import Column, Params, Report, Table

ZERO = Decimal("0.00")


def impacts_of(c: Complaint, compensated: bool) -> set[str]:
    found: set[str] = set()
    if compensated:
        found.add(Impact.COMPENSATION)
    if c.source == "media" or "media" in (c.tags or []):
        found.add(Impact.PUBLIC_OPINION)
    return found


def matches(rule: AssessmentRule, c: Complaint, impacts: set[str]) -> bool:
    if rule.source and rule.source != c.source:
        return False
    if rule.impact == Impact.EITHER:
        return bool(impacts)
    return not rule.impact or rule.impact in impacts


def assessment(scope: Scope, p: Params) -> Report:
    w = window(p.period, p.start, p.end, "last_quarter")
    tz = zone()
    rules = list(AssessmentRule.objects.filter(active=True).order_by("-priority", "id"))
    setting = AssessmentSetting.objects.order_by("id").first() or AssessmentSetting()
    valid = (
        Complaint.objects.filter(
            validity="valid",
            received_at__gte=dt.datetime.combine(w.start, dt.time(), tz),
            received_at__lt=dt.datetime.combine(w.end + dt.timedelta(days=1), dt.time(), tz),
        )
        .select_related("unit", "staff_complained_about")
        .order_by("received_at", "pk")
    )
    if not scope.whole_bank:
        valid = valid.filter(unit_id__in=scope.unit_ids)
    complaints = list(valid)
    compensated = set(
        Resolution.objects.filter(
            complaint__in=complaints,
            approved_at__isnull=False,
            remedy="compensation",
        ).values_list("complaint_id", flat=True)
    )
    holders = {(a.unit_id, a.post): a.user for a in AssessmentPost.objects.select_related("user")}
    users = get_user_model()
    by_path = {u.path: u for u in OrgUnit.objects.all()}  # posts above the scope count too
    lines: list[dict[str, Any]] = []
    people: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, ZERO])
    unit_points: dict[int, Decimal] = defaultdict(lambda: ZERO)
    unit_valid: dict[int, int] = defaultdict(int)
    for c in complaints:
        impacts = impacts_of(c, c.pk in compensated)
        rule = next((r for r in rules if matches(r, c, impacts)), None)
        unit_valid[c.unit_id] += 1
        if rule is None:
            continue
        unit_points[c.unit_id] += rule.unit_points
        charged = []
        for post in rule.posts:
            person = _holder(by_path, c, post, holders)
            label = (
                f"{person.get_username()}"
                if isinstance(person, users)
                else f"(空缺 vacant) {post} @ {c.unit.code}"
            )
            key = (label, post)
            people[key][0] += 1
            people[key][1] += rule.amount
            charged.append(f"{post}: {label}")
        lines.append(
            {
                "number": c.number,
                "unit": c.unit.code,
                "source": c.source,
                "impact": ",".join(sorted(impacts)),
                "rule": rule.name,
                "amount_each": rule.amount,
                "people": "; ".join(charged),
                "unit_points": rule.unit_points,
            }
        )
    unit_rows: list[dict[str, Any]] = []
    for unit in sorted(scope.units.values(), key=lambda u: u.path):
        below = [u.pk for u in scope.units.values() if u.path.startswith(unit.path)]
        none_in_subtree = not any(unit_valid.get(pk) for pk in below)
        bonus = setting.bonus_points if none_in_subtree else ZERO
        deducted = unit_points.get(unit.pk, ZERO)
        unit_rows.append(
            {
                "unit": unit.code,
                "unit_label": unit.name,
                "valid": unit_valid.get(unit.pk, 0),
                "deducted": deducted,
                "bonus": bonus,
                "score": setting.base_points - deducted + bonus,
            }
        )
    people_rows = [
        {
            "person": label,
            "post": Post(post).label if post in Post.values else post,
            "complaints": v[0],
            "amount": v[1],
        }
        for (label, post), v in sorted(people.items())
    ]
    units = Table(
        "units",
        "机构考核 Units",
        [
            Column("unit", "机构代码 Unit"),
            Column("unit_label", "机构 Name"),
            Column("valid", "有效投诉 Valid complaints", "int"),
            Column("deducted", "扣分 Points off", "num"),
            Column("bonus", "加分 Bonus", "num"),
            Column("score", "得分 Score", "num"),
        ],
        unit_rows,
        {
            "valid": sum(r["valid"] for r in unit_rows),
            "deducted": sum((r["deducted"] for r in unit_rows), ZERO),
        },
    )
    persons = Table(
        "people",
        "人员考核 People",
        [
            Column("person", "人员 Person"),
            Column("post", "岗位 Post"),
            Column("complaints", "有效投诉 Valid complaints", "int"),
            Column("amount", "考核金额 Amount", "money"),
        ],
        people_rows,
        {
            "complaints": sum(r["complaints"] for r in people_rows),
            "amount": sum((r["amount"] for r in people_rows), ZERO),
        },
    )
    detail = Table(
        "complaints",
        "明细 Complaints",
        [
            Column("number", "编号 Number"),
            Column("unit", "机构 Unit"),
            Column("source", "来源 Source"),
            Column("impact", "影响 Impact"),
            Column("rule", "规则 Rule"),
            Column("amount_each", "每人金额 Amount each", "money"),
            Column("people", "承担人 People"),
            Column("unit_points", "扣分 Points", "num"),
        ],
        lines,
    )
    return Report(
        "assessment",
        f"{w.label} 消保考核 Branch assessment",
        w,
        scope.label(),
        [units, persons, detail],
        extra={"base_points": setting.base_points, "bonus_points": setting.bonus_points},
        notes=[(__doc__ or "").split("\n\n")[1].replace("\n", " ")],
    )


def _holder(
    by_path: dict[str, OrgUnit], c: Complaint, post: str, holders: dict[tuple[int, str], Any]
) -> Any:
    if post == Post.RESPONSIBLE and c.staff_complained_about is not None:
        return c.staff_complained_about
    parts = c.unit.path.strip("/").split("/")
    for i in range(len(parts), 0, -1):
        unit = by_path.get("/" + "/".join(parts[:i]) + "/")
        if unit is not None and (unit.pk, post) in holders:
            return holders[(unit.pk, post)]
    return None
