"""A customer's reply names the complaint's number as they typed it — in lower case, without
the dashes, or in full-width characters from a Chinese input method — and still reaches the
complaint instead of registering a second one; an empty attachment is named on the timeline
rather than dropped without a word."""

from typing import Any

import pytest

from complaints.models import Attachment, Complaint, Event
from intake import mail
from intake.actions import find_numbers
from intake.tests import messages as m

pytestmark = pytest.mark.django_db


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@pytest.mark.parametrize("typed", [
    lambda n: n.lower(),
    lambda n: n.replace("-", ""),
    lambda n: n.replace("-", " "),
    _fullwidth,
], ids=["lower case", "without dashes", "spaces for dashes", "full-width"])
def test_a_reply_naming_the_number_as_typed_is_added_to_the_complaint(
        register: Any, typed: Any) -> None:
    c = register()
    written = typed(c.number)
    raw = m.message(subject=f"回复：投诉编号{written}", body="我补充一下：网点仍未退款。".encode())
    result = mail.ingest(raw, "test")
    assert (result.status, result.number) == ("threaded", c.number)
    assert Complaint.objects.count() == 1
    assert "网点仍未退款" in Event.objects.get(complaint=c, type="note").payload["text"]


def test_numbers_are_found_in_their_canonical_form_and_only_where_whole() -> None:
    text = "ｔｓ－２０２６１１２３－０００００１，TS-20261123-000002"
    assert find_numbers(text) == ["TS-20261123-000001", "TS-20261123-000002"]
    assert find_numbers("ACCOUNTS2026112300000199", "TS-20261123-0000012") == []


def test_an_empty_attachment_is_named_on_the_timeline(cast: Any) -> None:
    raw = m.with_attachments("银行卡被盗刷，附件为截图。", "盗刷投诉",
                             [("截图.png", b""), ("回单.pdf", m.PDF)])
    c = Complaint.objects.get(number=mail.ingest(raw, "test").number)
    assert [a.name for a in Attachment.objects.filter(complaint=c)] == ["回单.pdf"]
    note = c.events.get(type="note").payload["text"]
    assert "截图.png" in note and "empty file" in note and "空文件" in note
