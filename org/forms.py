from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django_otp import devices_for_user, user_has_device
from django_otp.forms import OTPAuthenticationFormMixin


class StaffLoginForm(OTPAuthenticationFormMixin, AuthenticationForm):
    """Password, then a one-time code for staff who enrolled an authenticator (optional for
    staff, required for the admin site: see tousu/urls.py)."""

    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(
        required=False, label="动态验证码 One-time code (if enrolled)",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_challenge = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and user_has_device(user):
            if not cleaned.get("otp_device"):  # one field for the code, whichever device
                device = next(devices_for_user(user), None)
                cleaned["otp_device"] = device.persistent_id if device else ""
            self.clean_otp(user)
        return cleaned
