"""Customers' identifiers at rest: the ID number, phone and email are ciphertext in the database
(what a stolen backup or a curious DBA sees), the customer is still found again by phone, and the
migration that introduced the encryption carries every stored value over."""

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from complaints import crypto
from complaints.models import Customer

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "13812345678", "wang.wu@example.com"


def _raw(pk: int) -> tuple[str, str, str]:
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone_enc, email_enc, phone_hash FROM {table} WHERE id = %s", [pk])
        row = cursor.fetchone()
    return row[0], row[1], row[2]


def test_phone_and_email_are_ciphertext_in_the_database(register: Any) -> None:
    customer = register(customer={"name": "王五", "phone": PHONE, "email": EMAIL}).customer
    phone_enc, email_enc, phone_hash = _raw(customer.pk)
    assert PHONE not in phone_enc and "5678" not in phone_enc and "@" not in email_enc
    assert (crypto.decrypt(phone_enc), crypto.decrypt(email_enc)) == (PHONE, EMAIL)
    assert phone_hash == crypto.phone_hash(PHONE) and PHONE not in phone_hash
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.phone, fresh.email) == (PHONE, EMAIL)


def test_a_value_is_decrypted_once_and_again_only_when_its_ciphertext_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token: calls.append(token) or real(token))
    customer = Customer(name="王五", phone=PHONE)
    assert customer.phone == PHONE and calls == []  # set here: nothing to decrypt
    customer.save()
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.phone, fresh.phone) == (PHONE, PHONE) and len(calls) == 1
    fresh.phone_enc = crypto.encrypt("13900000000")  # e.g. a key rotation's new ciphertext
    assert fresh.phone == "13900000000" and len(calls) == 2


def test_the_same_customer_is_found_again_by_name_and_phone(register: Any) -> None:
    first = register(customer={"name": "王五", "phone": PHONE, "id_number": ""}).customer
    again = register(customer={"name": "王五", "phone": PHONE, "id_number": ""}).customer
    other = register(customer={"name": "王五", "phone": "13900000000", "id_number": ""}).customer
    assert again.pk == first.pk and other.pk != first.pk
    assert "repeat" in register(customer={"name": "王五", "phone": PHONE, "id_number": ""}).tags


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_what_was_stored_in_clear() -> None:
    executor = MigrationExecutor(connection)
    before = [("complaints", "0003_unique_regulator_reference")]
    latest = executor.loader.graph.leaf_nodes("complaints")
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("complaints", "Customer")
        kept = old.objects.create(name="李四", phone=PHONE, email=EMAIL)
        empty = old.objects.create(name="赵六", phone="", email="")
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        phone_enc, email_enc, phone_hash = _raw(kept.pk)
        assert PHONE not in phone_enc and "@" not in email_enc
        assert phone_hash == crypto.phone_hash(PHONE)
        customer = Customer.objects.get(pk=kept.pk)
        assert (customer.phone, customer.email) == (PHONE, EMAIL)
        assert _raw(empty.pk) == ("", "", "")
    finally:
        MigrationExecutor(connection).migrate(latest)


def test_stored_evidence_files_are_not_readable_by_every_account(settings: Any,
                                                                 tmp_path: Any) -> None:
    """Evidence (ID card scans, statements) used to be written 0644, under 0755 directories."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    settings.MEDIA_ROOT = str(tmp_path)
    name = FileSystemStorage().save("evidence/2026/11/TS-x", ContentFile(b"scan"))
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "evidence" / "2026").stat().st_mode & 0o777 == 0o750
