"""Every string of the workspace and portal templates and forms has a Chinese translation, and
both languages render."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
TAG = re.compile(r'{%\s*translate\s+"([^"]+)"|{%\s*translate\s+\'([^\']+)\'')


def _catalog() -> dict[str, str]:
    text = PO.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for block in text.split("\n\n"):
        mid = re.search(r'^msgid ((?:".*"\n)+)', block, re.M)
        mstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if mid and mstr:
            found["".join(re.findall(r'"(.*)"', mid.group(1)))] = "".join(
                re.findall(r'"(.*)"', mstr.group(1)))
    return found


def test_no_template_string_is_untranslated() -> None:
    catalog = _catalog()
    missing = []
    for app in ("workspace", "portal"):
        for template in (Path(settings.BASE_DIR) / app / "templates").rglob("*.html"):
            for match in TAG.finditer(template.read_text(encoding="utf-8")):
                msgid = match.group(1) or match.group(2)
                if not catalog.get(msgid):
                    missing.append(f"{template.name}: {msgid}")
    empty = [k for k, v in catalog.items() if k and not v]
    assert not missing and not empty, missing + empty


@pytest.mark.django_db
def test_both_languages_render(cast: Any, register: Any) -> None:
    c = register()
    client = cast.client("mia")
    zh = client.get(f"/complaints/{c.number}/").content.decode()
    assert "时间线" in zh and "当前可执行的操作" in zh
    client.post("/i18n/setlang/", {"language": "en"})
    en = client.get(f"/complaints/{c.number}/").content.decode()
    assert "Timeline" in en and "Actions allowed now" in en and "时间线" not in en


@pytest.mark.django_db
def test_the_english_complaint_page_shows_english_labels_only(cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    c = register()
    run_action(cast.principal("mia"), c.number, "contact", ACTION_SCHEMAS["contact"]
               .model_validate({"version": 1, "kind": "call", "summary": "called"}))
    client = cast.client("mia")
    client.cookies["django_language"] = "en"
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert "Call" in page and "电话 Call" not in page
    assert "Open" in page and "进行中" not in page


@pytest.mark.django_db
def test_the_customers_claim_is_headed_as_a_claim_not_as_claiming_a_work_order(
        cast: Any, register: Any) -> None:
    c = register()
    page = cast.client("mia").get(f"/complaints/{c.number}/",
                                  HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<h3>诉求</h3><p id="claim" lang="zh-Hans">' in page
