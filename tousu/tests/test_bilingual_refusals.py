"""Every refusal an action raises reads in Chinese as well as English: its detail is written
"中文 / English" where it is raised, or its code has a Chinese wording (tousu.messages)."""

import ast
import re
from pathlib import Path

from django.utils import translation

from tousu.messages import ZH_BY_CODE, detail

ROOT = Path(__file__).resolve().parents[2]
APPS = ("complaints", "clocks", "intake", "notify", "org", "portal", "privacy", "reports",
        "triage", "workspace", "ops", "tousu")
RAISED = {"ActionError", "Forbidden", "NotFound", "Conflict"}
CJK = re.compile(r"[\u3400-\u9fff]")


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def refusals() -> list[tuple[str, str, str]]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in RAISED and node.args):
                    continue
                text = _literal(node.args[0])
                if text is None:
                    continue
                code = next((k.value.value for k in node.keywords if k.arg == "code"
                             and isinstance(k.value, ast.Constant)), "invalid")
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", text, str(code)))
    return found


def test_every_refusal_has_a_chinese_wording() -> None:
    found = refusals()
    assert len(found) > 40  # the scan sees the action modules
    english_only = [(where, text) for where, text, code in found
                    if not CJK.search(text) and code not in ZH_BY_CODE]
    assert english_only == []


def test_a_bilingual_detail_is_not_prefixed_again() -> None:
    assert detail("invalid", "未知机构 / Unknown unit") == "未知机构 / Unknown unit"
    with translation.override("zh-hans"):
        assert detail("forbidden", "You may not do that") == "无权执行此操作 / You may not do that"


def test_the_api_refuses_an_unknown_unit_in_both_languages(client, django_user_model) -> None:
    from org.models import OrgUnit, RoleGrant

    unit = OrgUnit.objects.create(code="HQ", name="总行", path="0001.")
    user = django_user_model.objects.create_user("agent", password="x")
    RoleGrant.objects.create(user=user, unit=unit, role="hotline_agent")
    client.force_login(user)
    res = client.post("/api/v1/complaints", {"channel": "phone", "unit": "NOPE", "customer":
                      {"name": "张三", "phone": "13812345678"}, "content": "年费", "claim": "退"},
                      content_type="application/json", HTTP_ACCEPT_LANGUAGE="en",
                      HTTP_IDEMPOTENCY_KEY="bilingual-1")
    assert res.status_code == 422, res.json()
    assert res.json()["detail"] == "未知机构 / Unknown unit", res.json()
