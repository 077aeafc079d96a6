"""Rules of the org tree and its units that every way in (the admin's form, the import)
applies. A unit's `path` joins the codes from the root with "/", and a subtree, hence every
scope, is a prefix of it: a code holding "/" would put its unit inside another's subtree, and a
unit under its own descendant would make the path endless."""

import re
from decimal import Decimal

CODE = re.compile(r"[A-Za-z0-9_.-]+")
CODE_RULE = ("机构代码只能由字母、数字、“_”、“-”、“.”组成 / a unit code may hold only letters, "
             "digits, '_', '-' and '.'")
CYCLE_RULE = ("上级机构不能是本机构或其下级机构 / the parent cannot be the unit itself or a unit "
              "inside it")
ROOT_RULE = ("只有总行没有上级机构，请填写上级机构 / only the head office has no parent: name "
             "this unit's parent (a second root would be outside every head-office scope)")
PARENT_RULE = ("上级机构已停用，启用中的机构不能设在其下 / the parent is deactivated: an active "
               "unit cannot be placed under it")


def code_problem(code: str) -> str | None:
    """Why `code` cannot be a unit's code (None: it can)."""
    return None if CODE.fullmatch(code) else CODE_RULE


def makes_cycle(unit_path: str, parent_path: str) -> bool:
    """Whether a unit stored at `unit_path` moved under the unit at `parent_path` would be its
    own ancestor."""
    return bool(unit_path) and parent_path.startswith(unit_path)


def limit_problems(approval: Decimal | None, senior: Decimal | None,
                   claim_minutes: int | None) -> dict[str, str]:
    """Why a unit's approval limits or claim time cannot stand, by field (empty: they can). A
    claim time of 0 would send every work order back before anyone could claim it."""
    problems = {}
    if approval is not None and approval < 0:
        problems["approval_limit"] = "审批限额不能为负数 / the approval limit cannot be negative"
    if approval is not None and senior is not None and senior < approval:
        problems["senior_approval_limit"] = ("上级审批限额不能低于本级审批限额 / the senior "
                                             "approval limit cannot be below the approval limit")
    if claim_minutes is not None and claim_minutes < 1:
        problems["claim_minutes"] = ("认领时限至少为 1 分钟 / the time to claim must be at least "
                                     "1 minute")
    return problems
