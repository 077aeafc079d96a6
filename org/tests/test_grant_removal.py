"""A handler who loses the grant their open work orders stand on (the grant deleted, or moved
to another unit or person, in the admin) hands them back to their units' queues on the
timeline, as a deactivated handler does; work on units another grant still covers stays."""

from typing import Any

import pytest

from complaints.audit import first_broken_link
from complaints.models import Complaint
from conftest import admin_client
from notify.models import Notification
from org.models import RoleGrant
from org.tests.test_deactivation import _held_by

pytestmark = pytest.mark.django_db


def test_deleting_a_handlers_grant_returns_their_work_to_the_queue(cast: Any,
                                                                   register: Any) -> None:
    held = _held_by(cast, register, "alice", claim=True)
    grant = RoleGrant.objects.get(user=cast.users["alice"], role="handler")
    client = admin_client()
    page = client.post(f"/admin/org/rolegrant/{grant.pk}/delete/", {"post": "yes"},
                       follow=True)
    assert page.status_code == 200
    assert "1 open complaint(s) held by alice on units where no grant" in page.content.decode()
    c = Complaint.objects.get(pk=held.pk)
    assert c.handler is None and c.version == held.version + 1
    event = c.events.order_by("-seq").first()
    assert event.type == "release_handler"
    assert event.payload == {"handler": "alice", "reason": "handler_role_removed"}
    assert first_broken_link(c) is None
    assert Notification.objects.filter(kind="work_order", user=cast.users["mia"], complaint=c,
                                       body__contains="no longer holds a role").exists()
    timeline = cast.client("mia").get(f"/complaints/{c.number}/",
                                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Handler no longer on the unit" in timeline and "handler_role_removed" not in timeline


def test_moving_a_grant_elsewhere_releases_only_the_work_it_no_longer_covers(
        cast: Any, register: Any) -> None:
    held = _held_by(cast, register, "alice", claim=False)
    RoleGrant.objects.create(user=cast.users["mia"], role="handler", unit=cast.sh01)
    mias = _held_by(cast, register, "mia", claim=False)
    grant = RoleGrant.objects.get(user=cast.users["alice"], role="handler")
    client = admin_client()
    assert client.post(f"/admin/org/rolegrant/{grant.pk}/change/",
                       {"user": grant.user_id, "role": "handler", "unit": cast.sh01.pk}
                       ).status_code == 302
    assert Complaint.objects.get(pk=held.pk).handler_id is None
    # mia's manager grant on BJ01 still covers her work order there.
    extra = RoleGrant.objects.get(user=cast.users["mia"], unit=cast.sh01)
    assert client.post("/admin/org/rolegrant/", {"action": "delete_selected",
                                                 "_selected_action": [extra.pk],
                                                 "post": "yes"}).status_code == 302
    assert Complaint.objects.get(pk=mias.pk).handler_id == cast.users["mia"].pk


def test_a_deactivated_staff_members_session_ends_at_once(cast: Any) -> None:
    from org.tests.test_deactivation import _user_form

    alice = cast.client("alice")
    assert alice.get("/home/").status_code == 200
    admin_client().post(f"/admin/auth/user/{cast.users['alice'].pk}/change/",
                        _user_form(cast.users["alice"], False))
    assert alice.get("/home/").status_code == 302
