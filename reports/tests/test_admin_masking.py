"""A validity ruling's reason and a root-cause note are staff's free text: the admin shows them
masked, as the timeline does, never a customer's phone number in full."""

from typing import Any

import pytest
from django.urls import reverse

from complaints.models import Complaint
from conftest import admin_client
from reports.tests.helpers import act

pytestmark = pytest.mark.django_db


def test_the_admin_masks_the_identifiers_in_a_ruling_and_a_root_cause_note(
        cast: Any, register: Any) -> None:
    c = register()
    Complaint.objects.filter(pk=c.pk).update(state="closed")
    act(cast.principal("cpo"), c.number, "rule_validity", validity="valid",
        reason="已回拨客户13912345678核实")
    act(cast.principal("mia"), c.number, "tag_root_cause", root_cause="RC02",
        note="客户手机13912345678")
    client = admin_client()
    pages = [client.get(reverse(f"admin:reports_{name}_change", args=[c.pk]))
             for name in ("validityruling", "rootcausetag")]
    assert [p.status_code for p in pages] == [200, 200]
    for page in pages:
        text = page.content.decode()
        assert "13912345678" not in text
        assert "139****5678" in text
