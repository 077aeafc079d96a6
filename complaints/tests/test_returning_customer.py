"""A customer who complains again is found again (same ID number and name, or same name and
phone) and kept up to date with what they gave this time: new contact details are where this
complaint's notices go. The same ID number under another name is never merged."""

from typing import Any

import pytest

from notify.models import Notification

pytestmark = pytest.mark.django_db
ID = "11010519491231002X"


def test_a_new_phone_and_email_are_kept_and_the_acknowledgement_goes_there(register: Any) -> None:
    first = register(customer={"name": "周八", "phone": "13700000001", "id_number": ID,
                               "email": "old@example.com"})
    second = register(customer={"name": "周八", "phone": "13700000002", "id_number": ID,
                                "email": "new@example.com", "vulnerable": ["elderly"]})
    assert second.customer_id == first.customer_id
    customer = second.customer
    customer.refresh_from_db()
    assert (customer.phone, customer.email) == ("13700000002", "new@example.com")
    assert customer.vulnerable == ["elderly"]
    ack = Notification.objects.get(complaint=second, kind="acknowledgement")
    assert ack.address == "13700000002"
    assert second.events.get(type="register").payload["customer_updated"] == [
        "email", "phone", "vulnerable"]


def test_a_language_left_out_keeps_the_known_one_and_a_stated_one_replaces_it(
        register: Any) -> None:
    english = register(customer={"name": "Jane Doe", "phone": "13700000003", "language": "en"})
    register(customer={"name": "Jane Doe", "phone": "13700000003"})
    english.customer.refresh_from_db()
    assert english.customer.language == "en"
    register(customer={"name": "Jane Doe", "phone": "13700000003", "language": "zh-Hans"})
    english.customer.refresh_from_db()
    assert english.customer.language == "zh-Hans"


def test_the_same_id_number_under_another_name_is_not_merged(register: Any) -> None:
    first = register(customer={"name": "周八", "phone": "13700000001", "id_number": ID})
    other = register(customer={"name": "吴九", "phone": "13700000009", "id_number": ID})
    assert other.customer_id != first.customer_id
    first.customer.refresh_from_db()
    assert first.customer.phone == "13700000001"  # the first person's details untouched


def test_a_phone_typed_with_the_country_code_and_spaces_finds_the_same_customer(
        register: Any) -> None:
    first = register(customer={"name": "吴九", "phone": "13912345678"})
    second = register(customer={"name": "吴九", "phone": "+86 139 1234 5678"})
    third = register(customer={"name": "吴九", "phone": "0086-139-1234-5678"})
    assert second.customer_id == first.customer_id == third.customer_id
    second.customer.refresh_from_db()
    assert second.customer.phone == "13912345678"
    assert register(customer={"name": "吴十", "phone": "010-1234 5678"}).customer.phone == \
        "01012345678"


def test_phones_stored_as_typed_are_rewritten_in_the_one_form(cast: Any, register: Any) -> None:
    import importlib

    from django.apps import apps

    from complaints import crypto
    from complaints.models import Customer

    migration = importlib.import_module("complaints.migrations.0006_canonical_phones")
    c = register(customer={"name": "王五", "phone": "13912345678"})
    Customer.objects.filter(pk=c.customer_id).update(  # as an older release stored it
        phone_enc=crypto.encrypt("+86 139 1234 5678"),
        phone_hash=crypto.phone_hash("+86 139 1234 5678"))
    migration.canonical_phones(apps, None)
    customer = Customer.objects.get(pk=c.customer_id)
    assert customer.phone == "13912345678"
    again = register(customer={"name": "王五", "phone": "139-1234-5678"})
    assert again.customer_id == c.customer_id
