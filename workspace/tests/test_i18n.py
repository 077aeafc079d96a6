"""Every string a person reads has a Chinese translation and both languages render: the
catalog (locale/zh_Hans) is complete, untouched by fuzzy or obsolete entries and keeps every
placeholder; every gettext call and template tag has its entry; templates that translate leave
no bare text; labels of action fields and timeline details are translated."""

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
PO = BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
APPS = ("clocks", "complaints", "demo", "intake", "notify", "ops", "org", "portal", "privacy",
        "reports", "tousu", "triage", "workspace")
TAG = re.compile(r'{%\s*translate\s+"([^"]+)"(?:\s+context\s+"([^"]+)")?'
                 r"|{%\s*translate\s+'([^']+)'(?:\s+context\s+'([^']+)')?")
BLOCK = re.compile(r"{%\s*blocktranslate\b(.*?)%}(.*?){%\s*endblocktranslate\s*%}", re.S)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


@dataclass
class Entry:
    msgid: str = ""
    context: str = ""
    plural: str = ""
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def _entries(text: str) -> list[Entry]:
    """The catalog's entries (a small .po reader; the header is left out). An entry ends at a
    blank line or where the next one's comment or msgid follows its msgstr directly."""
    found: list[Entry] = []
    entry, parts, current = Entry(), dict[str, str](), ""

    def close() -> None:
        entry.msgid, entry.context = parts.get("msgid", ""), parts.get("msgctxt", "")
        entry.plural = parts.get("msgid_plural", "")
        entry.msgstrs = [v for k, v in parts.items() if k.startswith("msgstr")]
        if entry.msgid:
            found.append(entry)

    for line in [*text.splitlines(), ""]:
        obsolete = line.startswith("#~")
        line = line[2:].strip() if obsolete else line
        starts = not line.strip() or (line.startswith(("#", "msgid ", "msgctxt"))
                                      and current.startswith("msgstr"))
        if starts:
            close()
            entry, parts, current = Entry(), {}, ""
        entry.obsolete |= obsolete
        if line.startswith("#,"):
            entry.flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith('"') and current:
            parts[current] += line.strip()[1:-1]
        elif line.strip() and not line.startswith("#"):
            current, _, rest = line.partition(" ")
            parts[current] = rest.strip()[1:-1]
    return found


def _catalog() -> dict[tuple[str, str], str]:
    """(context, msgid) -> the first translation, of the live entries."""
    return {(e.context, e.msgid): e.msgstrs[0] if e.msgstrs else ""
            for e in _entries(PO.read_text(encoding="utf-8")) if not e.obsolete}


def test_every_catalog_entry_is_translated_and_neither_fuzzy_nor_obsolete() -> None:
    def problem(e: Entry) -> str:
        return "obsolete" if e.obsolete else "fuzzy" if "fuzzy" in e.flags else "empty"

    bad = [f"{e.msgid!r}: {problem(e)}" for e in _entries(PO.read_text(encoding="utf-8"))
           if e.obsolete or "fuzzy" in e.flags or not all(e.msgstrs)]
    assert not bad, bad


def test_every_translation_keeps_the_placeholders_of_its_msgid() -> None:
    # A missing or renamed %(name)s raises KeyError when the text is formatted; a {name} left
    # out shows the wrong sentence.
    bad = []
    for e in _entries(PO.read_text(encoding="utf-8")):
        wanted = sorted(set(PLACEHOLDER.findall(e.msgid)) | set(PLACEHOLDER.findall(e.plural)))
        bad += [f"{e.msgid!r} -> {s!r}" for s in e.msgstrs
                if sorted(set(PLACEHOLDER.findall(s))) != wanted]
    assert not bad, bad


def test_the_placeholder_check_sees_a_renamed_placeholder() -> None:
    broken = _entries('msgid "Page %(n)s of %(total)s"\nmsgstr "第 %(n)s / %(all)s 页"\n')
    assert PLACEHOLDER.findall(broken[0].msgstrs[0]) != PLACEHOLDER.findall(broken[0].msgid)


# The names makemessages extracts from (xgettext's Python defaults and Django's keywords).
KEYWORDS = {"_": 0, "gettext": 0, "gettext_lazy": 0, "gettext_noop": 0, "ngettext": 0,
            "ngettext_lazy": 0, "pgettext": 1, "pgettext_lazy": 1, "npgettext": 1,
            "npgettext_lazy": 1}
CONTEXTUAL = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


@functools.cache
def _parsed() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8")))
            for app in APPS for p in sorted((BASE / app).rglob("*.py"))
            if "tests" not in p.parts and "migrations" not in p.parts]


def _gettext_calls() -> list[tuple[str, str, str]]:
    """(where, context, msgid) of every gettext call with a literal text in the code."""
    found = []
    for path, tree in _parsed():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in KEYWORDS):
                continue
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            context = args[0] if node.func.id in CONTEXTUAL and args else ""
            msgid = args[KEYWORDS[node.func.id]] if len(args) > KEYWORDS[node.func.id] else None
            if isinstance(msgid, str):
                found.append((f"{path.relative_to(BASE)}:{node.lineno}", str(context), msgid))
    return found


def test_gettext_is_imported_only_under_names_makemessages_extracts() -> None:
    # `gettext_lazy as _lazy` works at run time, but makemessages does not see its strings and
    # marks their entries obsolete, so the next catalog update drops their translations.
    bad = [f"{p.relative_to(BASE)}: {a.name} as {a.asname}"
           for p, tree in _parsed() for node in ast.walk(tree)
           if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
           for a in node.names if a.asname and a.asname not in KEYWORDS]
    assert not bad, bad


def test_every_gettext_call_in_the_code_has_a_translation() -> None:
    catalog = _catalog()
    missing = [f"{where}: {msgid}" for where, context, msgid in _gettext_calls()
               if not catalog.get((context, msgid))]
    assert not missing, missing


CJK = re.compile(r"[\u3400-\u9fff]")
MESSAGES = {"success", "error", "info", "warning", "debug", "message_user"}


def test_every_message_to_staff_or_customers_is_translated_or_bilingual() -> None:
    # messages.* and the admin's message_user show text on the next page: a literal there must
    # go through gettext or read "中文 / English" like the admin pages around it.
    bad = []
    for path, tree in _parsed():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in MESSAGES and len(node.args) >= 2):
                continue
            text = node.args[1]
            parts = ([v.value for v in text.values if isinstance(v, ast.Constant)]
                     if isinstance(text, ast.JoinedStr) else
                     [text.value] if isinstance(text, ast.Constant) else [])
            literal = "".join(str(p) for p in parts)
            if re.search(r"[A-Za-z]{2,}", literal) and not CJK.search(literal):
                bad.append(f"{path.relative_to(BASE)}:{node.lineno}: {literal}")
    assert not bad, bad


def _templates() -> list[Path]:
    return sorted(p for app in APPS for p in (BASE / app / "templates").rglob("*.html"))


def _block_msgids(options: str, body: str) -> list[str]:
    """The msgid(s) of a {% blocktranslate %}: {{ x }} becomes %(x)s, as makemessages does."""
    if "trimmed" in options.split():
        body = " ".join(line.strip() for line in body.strip().splitlines())
    return [re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", part.replace("%", "%%"))
            for part in body.split("{% plural %}")[:1]]


def _template_msgids() -> list[tuple[str, str, str]]:
    """(template, context, msgid) of every {% translate %} and {% blocktranslate %}."""
    found = []
    for template in _templates():
        text = template.read_text(encoding="utf-8")
        for match in TAG.finditer(text):
            found.append((template.name, match.group(2) or match.group(4) or "",
                          match.group(1) or match.group(3)))
        found += [(template.name, "", m) for options, body in BLOCK.findall(text)
                  for m in _block_msgids(options, body)]
    return found


def test_every_template_string_has_a_translation() -> None:
    catalog = _catalog()
    missing = [f"{where}: {msgid}" for where, context, msgid in _template_msgids()
               if not catalog.get((context, msgid))]
    assert not missing, missing


def test_every_catalog_entry_is_still_used() -> None:
    # An entry whose text left the code is dead weight that makemessages would mark obsolete;
    # it usually means the new wording was never translated.
    used = {(c, m) for _, c, m in [*_gettext_calls(), *_template_msgids()]}
    dead = [msgid for context, msgid in _catalog() if (context, msgid) not in used]
    assert not dead, dead


_STRIP = [re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S), BLOCK,
          re.compile(r"{%.*?%}|{{.*?}}", re.S), re.compile(r"<(script|style)\b.*?</\1>", re.S)]
_ATTRIBUTE = re.compile(r'\b(?:title|placeholder|aria-label|alt)\s*=\s*"([^"]*)"')
_WORD = re.compile(r"[A-Za-z\u3400-\u9fff]{2,}")
# Text that is the same in both languages: each language's own name in the switcher, "API".
SAME_IN_BOTH = {"简体中文", "English", "API"}
# Pages that show both languages side by side instead of translating (administrators' import
# pages, reports and the regulator's disclosure, staff entry and letters, the sign-in and error
# pages shown before a language is chosen). A new page translates: it does not join this list.
SIDE_BY_SIDE = {
    "intake/templates/admin/intake/regulatorbatch/change_list.html",
    "intake/templates/admin/intake/regulatorbatch/import.html",
    "intake/templates/intake/new_complaint.html", "intake/templates/intake/send_letter.html",
    "ops/templates/403.html", "ops/templates/403_csrf.html",
    "ops/templates/404.html", "ops/templates/500.html", "ops/templates/lockout.html",
    "org/templates/admin/org/orgunit/change_list.html",
    "org/templates/admin/org/orgunit/import.html",
    "reports/templates/reports/disclosure.html", "reports/templates/reports/forbidden.html",
    "reports/templates/reports/report.html", "workspace/templates/registration/login.html",
}


def untranslated_text(template: str) -> list[str]:
    """Visible text of a template (text between tags and the attributes people read) that is
    outside {% translate %} and {% blocktranslate %}."""
    for pattern in _STRIP:
        template = pattern.sub(" ", template)
    texts = _ATTRIBUTE.findall(template) + re.sub(r"<[^>]*>", "\n", template).splitlines()
    return [" ".join(t.split()) for t in texts
            if _WORD.search(t.replace("Tousu", "")) and " ".join(t.split()) not in SAME_IN_BOTH]


def test_the_text_checker_finds_bare_text_and_ignores_code() -> None:
    assert untranslated_text('<p title="Open">{% translate "Hi" %} there</p>') == [
        "Open", "there"]
    assert untranslated_text('<p>{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}</p>'
                             '<script>var a = "b";</script><b>{{ name }} 42 · Tousu</b>') == []


def test_no_translated_template_shows_untranslated_text() -> None:
    bare, side_by_side = [], set()
    for template in _templates():
        name = str(template.relative_to(BASE))
        text = template.read_text(encoding="utf-8")
        if name in SIDE_BY_SIDE:
            side_by_side.add(name)
            assert "{% translate" not in text, f"{name} translates now: take it off SIDE_BY_SIDE"
            continue
        bare += [f"{name}: {t}" for t in untranslated_text(text)]
    assert not bare, bare
    assert side_by_side == SIDE_BY_SIDE


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


def test_every_field_of_every_action_form_has_a_translated_label() -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from workspace.forms import ACTION_LABELS, FIELD_LABELS

    unlabelled = [f"{action}.{name}" for action, schema in ACTION_SCHEMAS.items()
                  for name in schema.model_fields
                  if name != "version" and name not in FIELD_LABELS]
    assert not unlabelled and set(ACTION_SCHEMAS) <= set(ACTION_LABELS), unlabelled


# Where events get their payloads: the actions' return values, `payload={...}` and a dict built
# as `payload` (letters).
PAYLOAD_SOURCES = ("complaints/actions", "triage/actions.py", "privacy/actions.py",
                   "intake/letters.py", "intake/regulator.py")


def _payload_keys() -> set[tuple[str, str]]:
    keys = set()
    for path, tree in _parsed():
        where = str(path.relative_to(BASE))
        if not where.startswith(PAYLOAD_SOURCES):
            continue
        for node in ast.walk(tree):
            returned = isinstance(node, ast.Return) and where.startswith("complaints/actions")
            named = ((isinstance(node, ast.keyword) and node.arg == "payload")
                     or (isinstance(node, ast.Assign) and any(
                         isinstance(t, ast.Name) and t.id == "payload" for t in node.targets)))
            found: Any = getattr(node, "value", None) if returned or named else None
            if (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
                  and isinstance(node.value, ast.Name) and node.value.id == "payload"
                  and isinstance(node.slice, ast.Constant)):
                keys.add((where, str(node.slice.value)))
            if isinstance(found, ast.Dict):
                keys |= {(where, k.value) for k in found.keys
                         if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys


def test_every_detail_an_event_carries_has_a_translated_label() -> None:
    # The timeline shows each payload key by its label: a key without one showed as the raw
    # name in both languages ("clock_restarted: 是").
    from workspace.templatetags.workspace_tags import KEY_LABELS

    keys = _payload_keys()
    assert len(keys) > 50  # the scan still finds the payloads
    unlabelled = sorted(f"{where}: {key}" for where, key in keys if key not in KEY_LABELS)
    assert not unlabelled, unlabelled


@pytest.mark.django_db
def test_the_timeline_labels_a_merge_and_an_escalation_in_both_languages(
        cast: Any, register: Any) -> None:
    from complaints.tests.helpers import act

    primary, repeat = register(), register(content="年费又被扣了一次，补充新的扣费记录。")
    act(cast, "mia", repeat, "merge", into=primary.number, new_facts=True)
    primary.refresh_from_db()
    primary = act(cast, "mia", primary, "escalate", severity="major", reason="涉及多名客户")
    act(cast, "mia", primary, "contact", kind="meeting", summary="约客户到网点面谈")
    client = cast.client("mia")
    zh = client.get(f"/complaints/{primary.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = zh.content.decode()
    assert "原严重程度: 普通" in page and "新严重程度: 重大" in page and "方式: 面谈" in page
    shown = re.sub(r"<[^>]+>", "", page)
    assert "from:" not in shown and "normal" not in shown and "meeting" not in shown
    merged = client.get(f"/complaints/{repeat.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已重新计时" in merged.content.decode()
    assert "clock_restarted" not in merged.content.decode()
    client.cookies["django_language"] = "en"
    en = client.get(f"/complaints/{primary.number}/").content.decode()
    assert "Severity before: Normal" in en and "Severity after: Major" in en
    assert "Kind: Meeting" in en
    form = client.get(f"/complaints/{primary.number}/").content.decode()
    assert "It brings new facts" in form and ">new facts<" not in form


@pytest.mark.django_db
def test_a_decline_notice_by_email_is_headed_with_the_regulators_term(
        cast: Any, register: Any) -> None:
    # CN Art. 18: the bank may decline to handle (不予办理) a complaint; the body says so and the
    # subject said 不予受理, a term the rules do not give the bank.
    from complaints.tests.helpers import act
    from notify.models import Notification

    c = register(customer={"name": "李四", "email": "li@example.com"})
    act(cast, "agent", c, "decline", reason="no_standing", detail="由第三方代为提交")
    notice = Notification.objects.get(kind="decline_notice")
    assert notice.subject.startswith("投诉不予办理告知") and "不予办理" in notice.body


@pytest.mark.django_db
def test_the_audit_page_names_export_kinds_in_the_readers_language_only(cast: Any) -> None:
    from privacy.actions import log_access
    from privacy.models import AccessKind

    log_access(cast.principal("mia"), AccessKind.REPORT_EXPORT, channel="web",
               target="statistics.xlsx", detail={})
    client = cast.client("audrey")
    zh = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<td>报表导出</td>" in zh and "个人信息导出</option>" in zh and "Report export" not in zh
    client.cookies["django_language"] = "en"
    en = client.get("/audit/").content.decode()
    assert "<td>Report export</td>" in en and "Subject-access export</option>" in en
    assert "报表导出" not in en
