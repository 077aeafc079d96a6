import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from complaints.actions.common import megabytes
from complaints.schemas import is_mobile
from complaints.sniff import sniff_type
from intake.identifiers import halfwidth
from org.models import OrgUnit


class EvidenceField(forms.FileField):
    """An evidence file, refused here (before anything is registered) when it is too large,
    checked on its declared size before it is read, or not of an accepted type."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if not upload:
            return upload
        limit = settings.TOUSU_MAX_ATTACHMENT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(_("The file is larger than %(limit)s.")
                                        % {"limit": megabytes(limit)})
        upload.seek(0)
        head = upload.read()
        upload.seek(0)
        if sniff_type(head) is None:
            raise forms.ValidationError(_("This kind of file is not accepted: send a PDF, a "
                                          "picture, an Office document, a text or a recording."))
        return upload


def one_time_token() -> str:
    """Rendered with the filing form and sent back as its idempotency key: submitting the same
    form twice files one complaint."""
    return secrets.token_urlsafe(18)


class AsciiEmailField(forms.EmailField):
    """An email typed in full-width characters (＠, ．) is read as its ASCII form."""

    def to_python(self, value: Any) -> str:
        return halfwidth(super().to_python(value) or "")


class FileForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "tel"}))
    email = AsciiEmailField(label=_("Email"), required=False)
    account_branch = forms.ChoiceField(label=_("Your account branch"), required=False)
    product = forms.CharField(label=_("Product or service"), max_length=200, required=False)
    content = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}),
                              max_length=20_000)
    claim = forms.CharField(label=_("What do you ask for"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)
    amount = forms.DecimalField(label=_("Amount in dispute"), required=False, min_value=0,
                                max_digits=14, decimal_places=2)
    evidence = EvidenceField(label=_("Evidence (optional)"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, initial=one_time_token, required=False,
                            max_length=64)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        units = OrgUnit.objects.filter(active=True, kind__in=["branch", "sub_branch"])
        self.fields["account_branch"].choices = [  # type: ignore[attr-defined]
            ("", "—"), *((u.code, u.name) for u in units.order_by("path"))]

    def clean_phone(self) -> str:
        """A text message must reach it: no landline in the mobile field."""
        phone = halfwidth(self.cleaned_data["phone"])
        if phone and not is_mobile(phone):
            raise forms.ValidationError(_("Enter a valid mobile phone number."))
        return phone

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError(_("Give a mobile phone or an email so we can reply."))
        return cleaned


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Tracking number"), max_length=24,
                             widget=forms.TextInput(attrs={"placeholder": "TS-20250101-000001"}))


class VerifyForm(forms.Form):
    number = forms.CharField(widget=forms.HiddenInput, max_length=24)
    code = forms.CharField(label=_("One-time code"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))


class InfoForm(forms.Form):
    text = forms.CharField(label=_("More information"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=20_000)


class EvidenceForm(forms.Form):
    file = EvidenceField(label=_("File"))


class VisitForm(forms.Form):
    visit = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(label=_("Your answer"), choices=[
        ("accept", _("I agree to the visit")), ("decline", _("I decline the visit"))])


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(label=_("How satisfied are you? (5 = very)"), coerce=int,
                                   choices=[(i, str(i)) for i in range(5, 0, -1)])
    satisfied = forms.TypedChoiceField(
        label=_("Is the matter resolved for you?"), coerce=lambda v: v == "yes",
        choices=[("yes", _("Yes, resolved")), ("no", _("No, please look again"))])
    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}), max_length=20_000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             min_length=2, max_length=2000)


class WithdrawForm(ReasonForm):
    confirm = forms.BooleanField(label=_("I understand that withdrawing ends the handling of my "
                                         "complaint."))
