"""Staff accounts: Argon2 hashes, lockout after repeated failures, one-time codes."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-staff-password"


@pytest.fixture
def staff(settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    return get_user_model().objects.create_user("li.lei", password=PASSWORD)


def _sign_in(password: str, token: str = "") -> Any:
    client = Client()
    response = client.post("/login/", {"username": "li.lei", "password": password,
                                       "otp_token": token})
    return client, response


def test_passwords_are_stored_with_argon2(staff: Any) -> None:
    assert staff.password.startswith("argon2")


def test_an_account_locks_after_five_failures(staff: Any) -> None:
    for _ in range(4):
        assert _sign_in("wrong")[1].status_code == 200  # the form again, with an error
    assert _sign_in("wrong")[1].status_code == 429  # the fifth failure locks the account
    _, locked = _sign_in(PASSWORD)
    assert locked.status_code == 429  # even the right password is refused now


def test_a_right_password_resets_the_count(staff: Any) -> None:
    for _ in range(4):
        _sign_in("wrong")
    assert _sign_in(PASSWORD)[1].status_code == 302
    for _ in range(4):
        _sign_in("wrong")
    assert _sign_in(PASSWORD)[1].status_code == 302


def test_enrolled_staff_need_their_one_time_code(staff: Any) -> None:
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    assert _sign_in(PASSWORD)[1].status_code == 200  # no code: refused
    code = f"{totp(device.bin_key):06d}"
    client, response = _sign_in(PASSWORD, code)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_the_admin_site_requires_a_verified_code(staff: Any) -> None:
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client, response = _sign_in(PASSWORD)
    assert response.status_code == 302  # signed in to the workspace without a device ...
    assert client.get("/admin/").status_code == 302  # ... but not into the admin
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client, _ = _sign_in(PASSWORD, f"{totp(device.bin_key):06d}")
    assert client.get("/admin/").status_code == 200
