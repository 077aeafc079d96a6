"""The staff entry form takes the regulator's own deadline on a transfer registered by hand, as the
API does: a date alone is due by 24:00 local time, a date and time is local, it may not precede
receipt (refused under the field, in both languages), and it starts the `regulator_due` clock;
for any other source the field is hidden and not used."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from complaints.choices import REGULATOR_SOURCES, Source
from complaints.models import Complaint
from intake.tests.test_staff_entry import URL, form

pytestmark = pytest.mark.django_db
TRANSFER = {"source": "regulator_nfra", "external_ref": "NFRA-2026-9", "channel": "letter"}
CST = dt.timezone(dt.timedelta(hours=8))
FULL_WIDTH = str.maketrans("0123456789-:", "０１２３４５６７８９－：")


def _due(c: Complaint) -> dt.datetime:
    return c.deadlines.get(obligation="regulator_due").due_at.astimezone(CST)


def test_a_date_alone_is_due_by_the_end_of_that_day(cast: Any) -> None:
    day = timezone.localdate() + dt.timedelta(days=5)
    response = cast.client("agent").post(URL, form(**TRANSFER, regulator_due=day.isoformat()))
    assert response.status_code == 302, response.content.decode()[:2000]
    c = Complaint.objects.get()
    assert (_due(c).date(), _due(c).time()) == (day, dt.time(23, 59, 59))
    deadline = c.deadlines.get(obligation="regulator_due")
    assert (deadline.started_at, deadline.kind, deadline.status) == (c.received_at, "duty",
                                                                     "open")
    assert c.events.get(type="register").payload["regulator_due"]


def test_a_date_and_time_is_local_and_full_width_digits_are_read(cast: Any) -> None:
    day = timezone.localdate() + dt.timedelta(days=3)
    typed = f"{day.isoformat()} 17:30".translate(FULL_WIDTH)
    response = cast.client("agent").post(URL, form(**{**TRANSFER, "source": "regulator_pboc"},
                                                   regulator_due=typed))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _due(Complaint.objects.get()) == dt.datetime.combine(day, dt.time(17, 30), CST)


@pytest.mark.parametrize(("fields", "words"), [
    ({"received_at": "2026-11-01T10:00", "regulator_due": "2026-10-31"},
     ("早于收到时间", "before the complaint was received")),
    ({"regulator_due": "2026-02-30"}, ("不是有效的日期或时间", "is not a date")),
    ({"regulator_due": "下周五"}, ("不是有效的日期或时间", "is not a date")),
])
def test_a_bad_deadline_is_refused_under_its_field(cast: Any, fields: dict[str, str],
                                                   words: tuple[str, str]) -> None:
    response = cast.client("agent").post(URL, form(**TRANSFER, **fields))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("regulator_due", []))
    assert all(w in errors for w in words), response.context["form"].errors
    assert not Complaint.objects.exists()


def test_it_is_not_used_for_a_complaint_the_regulator_did_not_transfer(cast: Any) -> None:
    response = cast.client("agent").post(URL, form(regulator_due="2026-10-31"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Complaint.objects.get().deadlines.filter(obligation="regulator_due").exists()


def test_the_page_shows_the_field_only_for_a_regulator_source(cast: Any) -> None:
    page = cast.client("agent").get(URL).content.decode()
    assert 'id="field-regulator_due"' in page and 'name="regulator_due"' in page
    # The style hides it unless a source whose value starts with "regulator_" is chosen.
    assert ':not([value^="regulator_"])) #field-regulator_due { display: none; }' in page
    assert {s for s in Source.values if s.startswith("regulator_")} == REGULATOR_SOURCES
