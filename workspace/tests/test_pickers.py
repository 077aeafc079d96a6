"""The assign and extend forms suggest the units, handlers and approvers the action accepts."""

import re
from typing import Any

import pytest

from workspace import pickers

pytestmark = pytest.mark.django_db


def _options(page: str, list_id: str) -> set[str]:
    found = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', page, re.S)
    assert found, list_id
    return set(re.findall(r'<option value="([^"]+)"', found.group(1)))


def test_assign_suggests_units_and_handlers_in_scope_only(cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    c = register(staff_complained_about="alice")
    run_action(cast.principal("max"), c.number, "accept",
               ACTION_SCHEMAS["accept"].model_validate({"version": c.version}))
    page = cast.client("max").get(f"/complaints/{c.number}/").content.decode()
    assert 'list="assign-unit-options"' in page and 'list="assign-handler-options"' in page
    assert _options(page, "assign-unit-options") == {"BJ", "BJ01", "BJ02"}
    # managers may take work orders too; alice is the staff member complained about, and bob
    # works in Shanghai, outside max's scope
    assert _options(page, "assign-handler-options") == {"mia", "max"}


def test_extend_suggests_managers_of_the_unit_or_above(cast: Any, register: Any) -> None:
    c = register()
    assert {value for value, _label in pickers.approvers(c)} == {"mia", "max", "cpo"}


def test_the_list_suggests_units_for_its_filter_and_bulk_assign(cast: Any) -> None:
    page = cast.client("mia").get("/").content.decode()
    assert _options(page, "unit-options") == {"BJ01"}
    assert _options(page, "handler-options") == {"alice", "mia"}
    assert 'id="bulk-unit" name="unit" required list="unit-options"' in page
