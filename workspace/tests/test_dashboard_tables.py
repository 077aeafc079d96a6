"""The dashboard's charts each have a data table with the same figures (their text alternative)."""

import json
import re
from typing import Any

import pytest

from workspace.tests.a11y import problems

pytestmark = pytest.mark.django_db
CHARTS = ("trend", "category", "unit", "compliance", "satisfaction")


def _in_shanghai(complaint: Any, cast: Any) -> None:
    type(complaint).objects.filter(pk=complaint.pk).update(unit=cast.sh01)


def _chart_data(page: str) -> dict[str, Any]:
    found = re.search(r'id="dashboard-data" type="application/json">(.*?)</script>', page)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _table(page: str, key: str) -> list[list[Any]]:
    found = re.search(rf'<table id="table-{key}">(.*?)</table>', page, re.S)
    assert found, key
    body = found.group(1)
    assert "<caption>" in body and '<th scope="col">' in body
    return [[label.strip(), int(n)] for label, n in re.findall(
        r'<th scope="row">(.*?)</th><td data-n="(\d+)">', body)]


def test_each_chart_has_a_table_with_the_figures_it_draws(cast: Any, register: Any) -> None:
    from complaints.models import Survey

    first = register()
    _in_shanghai(register(content="借记卡被盗刷5000元，要求赔偿。"), cast)
    register()
    Survey.objects.create(complaint=first, score=4, satisfied=True, at=first.received_at)
    Survey.objects.create(complaint=first, score=2, satisfied=False, at=first.received_at)
    page = cast.client("cpo").get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    data = _chart_data(page)
    assert data["unit"] and data["satisfaction"] and data["compliance"]
    for key in CHARTS:
        assert _table(page, key) == [[str(label), n] for label, n in data[key]], key
    assert sum(n for _label, n in data["unit"]) == 3
    assert problems(page) == []


def test_a_branch_managers_tables_count_only_their_scope(cast: Any, register: Any) -> None:
    register()
    _in_shanghai(register(content="借记卡被盗刷5000元，要求赔偿。"), cast)
    page = cast.client("max").get("/dashboard/").content.decode()
    assert _table(page, "unit") == [["BJ01 朝阳支行", 1]]
    assert "浦东支行" not in page


def test_units_of_the_same_name_are_counted_apart(cast: Any, register: Any) -> None:
    from org.models import OrgUnit

    OrgUnit.objects.filter(code__in=["BJ01", "SH01"]).update(name="营业部")
    register()
    register()
    _in_shanghai(register(content="借记卡被盗刷5000元，要求赔偿。"), cast)
    data = _chart_data(cast.client("cpo").get("/dashboard/").content.decode())
    assert data["unit"] == [["BJ01 营业部", 2], ["SH01 营业部", 1]]
