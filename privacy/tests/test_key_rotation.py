"""Key rotation: every encrypted value moves to the newest key, idempotently and in resumable
batches, after which the older keys can be removed and everything still decrypts."""

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from complaints import crypto
from complaints.models import Customer
from privacy.tests.helpers import id_number

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


COLUMNS = ("id_number_enc", "phone_enc", "email_enc")


def _customers(register: Any, n: int) -> list[Customer]:
    """n customers with an ID number, a phone and an email: three encrypted values each."""
    return [register(customer={"name": f"客户{i}", "phone": f"1380000{i:04d}",
                               "email": f"c{i}@example.com", "id_number": id_number(i)}).customer
            for i in range(n)]


def _identifiers() -> dict[int, tuple[str, str, str]]:
    return {c.pk: (crypto.decrypt(c.id_number_enc), c.phone, c.email)
            for c in Customer.objects.all()}


def _tokens() -> list[tuple[str, ...]]:
    return list(Customer.objects.order_by("pk").values_list(*COLUMNS))


def test_rotation_moves_every_value_to_the_newest_key_and_old_keys_can_go(
        settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = [OLD]
    _customers(register, 5)
    before = _identifiers()
    assert before[min(before)][1:] == ("13800000000", "c0@example.com")
    settings.TOUSU_FIELD_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("rotate_field_keys", "--batch-size", "2", stdout=out)
    assert "15 value(s) checked, 15 re-encrypted" in out.getvalue()
    assert "0 value(s) left under an older key" in out.getvalue()
    settings.TOUSU_FIELD_KEYS = [NEW]  # the old key is removed
    assert _identifiers() == before
    call_command("rotate_field_keys", "--check", stdout=StringIO())


def test_rotation_is_idempotent(settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = [OLD]
    _customers(register, 3)
    settings.TOUSU_FIELD_KEYS = [NEW, OLD]
    call_command("rotate_field_keys", stdout=StringIO())
    tokens = _tokens()
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "9 value(s) checked, 0 re-encrypted" in out.getvalue()
    assert _tokens() == tokens


def test_an_interrupted_rotation_resumes_where_it_stopped(settings: Any, register: Any) -> None:
    from privacy.actions import rotate_field_keys, stale_values

    settings.TOUSU_FIELD_KEYS = [OLD]
    customers = _customers(register, 4)
    settings.TOUSU_FIELD_KEYS = [NEW, OLD]
    # A first run dies after its first batch (a batch of two commits on its own)…
    def crash(line: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate_field_keys(batch_size=2, progress=crash)
    assert stale_values() == 10  # two of the twelve values were rotated
    # …and a run resumed at the column and pk it printed last finishes the job.
    result = rotate_field_keys(batch_size=2,
                               after=("complaints.Customer.id_number_enc", customers[1].pk))
    assert (result.checked, result.rotated, stale_values()) == (10, 10, 0)


def test_a_resumption_names_a_known_column(settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = [OLD]
    _customers(register, 1)
    for bad in ("42", "complaints.Customer.nope:1", "complaints.Customer.phone_enc:x"):
        with pytest.raises(CommandError):
            call_command("rotate_field_keys", "--after", bad, stdout=StringIO())
    out = StringIO()
    call_command("rotate_field_keys", "--after", "complaints.Customer.phone_enc:0", stdout=out)
    assert "2 value(s) checked" in out.getvalue()  # the phone and the email, not the ID number


def test_the_check_fails_while_values_remain_under_an_older_key(
        settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = [OLD]
    _customers(register, 1)
    settings.TOUSU_FIELD_KEYS = [NEW, OLD]
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", "--check", stdout=StringIO())
    out = StringIO()
    call_command("rotate_field_keys", "--dry-run", stdout=out)
    assert "3 would be re-encrypted" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", "--check", stdout=StringIO())


def test_values_stored_under_the_embedded_default_key_survive_configuring_keys(
        settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = []
    _customers(register, 2)
    before = _identifiers()
    settings.TOUSU_FIELD_KEYS = [NEW]  # the first configured key: the derived one still reads
    assert _identifiers() == before
    call_command("rotate_field_keys", stdout=StringIO())
    assert all(crypto.is_current(t) for row in _tokens() for t in row)


def test_migrate_and_check_say_when_the_keys_no_longer_open_stored_values(
        settings: Any, register: Any) -> None:
    """A SECRET_KEY regenerated at a restart, or a key dropped too early, is an error of
    `check --database default` (and of `migrate`), not a 500 on every complaint page."""
    from privacy.checks import field_keys_open_stored_values as check

    settings.TOUSU_FIELD_KEYS = [OLD]
    _customers(register, 1)
    assert check(None, databases=["default"]) == []
    assert check(None) == []  # without --database: no query
    settings.TOUSU_FIELD_KEYS = [NEW]
    assert [e.id for e in check(None, databases=["default"])] == ["privacy.E002"]
    settings.TOUSU_FIELD_KEYS, settings.SECRET_KEY = [OLD], "another-" + settings.SECRET_KEY
    assert [e.id for e in check(None, databases=["default"])] == ["privacy.E003"]
