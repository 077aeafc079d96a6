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


def _customers(register: Any, n: int) -> list[Customer]:
    return [register(customer={"name": f"客户{i}", "phone": f"1380000{i:04d}",
                               "id_number": id_number(i)}).customer
            for i in range(n)]


def _id_numbers() -> dict[int, str]:
    return {c.pk: crypto.decrypt(c.id_number_enc) for c in Customer.objects.all()}


def test_rotation_moves_every_value_to_the_newest_key_and_old_keys_can_go(
        settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = [OLD]
    _customers(register, 5)
    before = _id_numbers()
    settings.TOUSU_FIELD_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("rotate_field_keys", "--batch-size", "2", stdout=out)
    assert "5 re-encrypted" in out.getvalue()
    assert "0 value(s) left under an older key" in out.getvalue()
    settings.TOUSU_FIELD_KEYS = [NEW]  # the old key is removed
    assert _id_numbers() == before
    call_command("rotate_field_keys", "--check", stdout=StringIO())


def test_rotation_is_idempotent(settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = [OLD]
    _customers(register, 3)
    settings.TOUSU_FIELD_KEYS = [NEW, OLD]
    call_command("rotate_field_keys", stdout=StringIO())
    tokens = list(Customer.objects.order_by("pk").values_list("id_number_enc", flat=True))
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "3 value(s) checked, 0 re-encrypted" in out.getvalue()
    assert list(Customer.objects.order_by("pk").values_list("id_number_enc", flat=True)) == tokens


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
    assert stale_values() == 2
    # …and a run resumed after the last pk it printed finishes the job.
    result = rotate_field_keys(batch_size=2, after=customers[1].pk)
    assert (result.checked, result.rotated, stale_values()) == (2, 2, 0)


def test_the_check_fails_while_values_remain_under_an_older_key(
        settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = [OLD]
    _customers(register, 1)
    settings.TOUSU_FIELD_KEYS = [NEW, OLD]
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", "--check", stdout=StringIO())
    out = StringIO()
    call_command("rotate_field_keys", "--dry-run", stdout=out)
    assert "1 would be re-encrypted" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", "--check", stdout=StringIO())


def test_values_stored_under_the_embedded_default_key_survive_configuring_keys(
        settings: Any, register: Any) -> None:
    settings.TOUSU_FIELD_KEYS = []
    _customers(register, 2)
    before = _id_numbers()
    settings.TOUSU_FIELD_KEYS = [NEW]  # the first configured key: the derived one still reads
    assert _id_numbers() == before
    call_command("rotate_field_keys", stdout=StringIO())
    assert all(crypto.is_current(t) for t in Customer.objects.values_list("id_number_enc",
                                                                          flat=True))
