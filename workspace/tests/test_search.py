"""Full-text search stays fast on common words: it returns the most recent matches only, and a
short term scans only the most recent complaints."""

from typing import Any

import pytest

from complaints.models import Complaint
from workspace import search as search_module

pytestmark = pytest.mark.django_db


def test_a_common_word_returns_the_most_recent_matches(register: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(search_module, "SEARCH_LIMIT", 2)
    made = [register(content=f"信用卡年费第{i}次被扣") for i in range(4)]
    found = search_module.search(Complaint.objects.all(), "信用卡")
    assert set(found) == set(made[-2:])


def test_a_short_term_searches_the_recent_window(register: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(search_module, "SHORT_TERM_WINDOW", 2)
    old = register(content="暴力催收")
    newer = [register(content=f"第{i}次催收电话") for i in range(2)]
    found = set(search_module.search(Complaint.objects.all(), "催收"))
    assert found == set(newer) and old not in found
