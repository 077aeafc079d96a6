"""Getting to one's work: home sections link to the list filtered the same way, the list's
filters (bad ones are reported), and the links to registration and letters."""

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def _assigned_to(cast: Any, register: Any, name: str, n: int) -> list[str]:
    from complaints.models import Complaint

    numbers = [register().number for _ in range(n)]
    Complaint.objects.filter(number__in=numbers).update(state="assigned",
                                                        handler=cast.users[name])
    return numbers


def test_every_home_section_links_to_the_list_filtered_the_same_way(cast: Any,
                                                                     register: Any) -> None:
    mine = _assigned_to(cast, register, "alice", 12)
    other = register().number  # in the unit's queue, not alice's
    client = cast.client("alice")
    home = client.get("/home/").content.decode()
    assert 'data-count="mine">12<' in home
    assert 'href="/?open=1&amp;handler=me&amp;sort=received" data-more="mine"' in home
    page = client.get("/?open=1&handler=me&sort=received").content.decode()
    assert all(number in page for number in mine) and other not in page
    queue = client.get("/?open=1&handler=none").content.decode()
    assert other in queue and mine[0] not in queue


def test_the_list_filters_by_handler_and_open_state(cast: Any, register: Any) -> None:
    from complaints.models import Complaint

    (done,) = _assigned_to(cast, register, "alice", 1)
    Complaint.objects.filter(number=done).update(state="closed")
    (live,) = _assigned_to(cast, register, "alice", 1)
    page = cast.client("alice").get("/", {"handler": "me", "open": "1"}).content.decode()
    assert live in page and done not in page
    assert live not in cast.client("mia").get("/", {"handler": "me"}).content.decode()


@pytest.mark.parametrize(("query", "english", "chinese"), [
    ({"unit": "ZZ"}, "Unknown Unit code: ZZ", "未知的机构代码：ZZ"),
    ({"state": "bogus"}, "Unknown State: bogus", "未知的状态：bogus"),
    ({"from": "garbage"}, "Received from is not a date", "不是有效日期"),
    ({"handler": "someone"}, "Unknown Handler: someone", "未知的处理人：someone"),
    ({"overdue": "yes"}, "Unknown Overdue: yes", "未知的已超期：yes"),
    ({"due_soon": "true"}, "Unknown Due within 3 days: true", "未知的3天内到期：true"),
    ({"from": "2026-12-01", "to": "2026-01-01"}, "Received to is before Received from",
     "早于"),
])
def test_a_bad_filter_is_reported_in_both_languages(cast: Any, register: Any,
                                                     query: dict[str, str], english: str,
                                                     chinese: str) -> None:
    c = register()
    client = cast.client("mia")
    zh = client.get("/", query, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200 and chinese in zh.content.decode()
    en = client.get("/", query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in en
    # the other filters still apply; an unknown unit lists nothing rather than everything
    assert (c.number in en) is ("unit" not in query)


def test_header_buttons_have_dark_text_on_white(cast: Any) -> None:
    import re

    page = cast.client("alice").get("/home/").content.decode()
    rule = re.search(r"header button \{([^}]*)\}", page)
    assert rule is not None
    assert "color: #123c69" in rule.group(1) and "background: #fff" in rule.group(1)


def test_the_list_finds_a_deactivated_units_complaints_within_scope(cast: Any,
                                                                     register: Any) -> None:
    c = register()
    cast.bj01.active = False
    cast.bj01.save()
    page = cast.client("max").get("/", {"unit": "BJ01"}).content.decode()
    assert c.number in page and "Unknown" not in page and "未知" not in page
    outsider = cast.client("bob").get("/", {"unit": "BJ01"}).content.decode()
    assert c.number not in outsider  # the filter never widens the scope
