from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import OrgUnit


class FileForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "tel"}))
    email = forms.EmailField(label=_("Email"), required=False)
    account_branch = forms.ChoiceField(label=_("Your account branch"), required=False)
    product = forms.CharField(label=_("Product or service"), max_length=200, required=False)
    content = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}),
                              max_length=20_000)
    claim = forms.CharField(label=_("What do you ask for"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)
    amount = forms.DecimalField(label=_("Amount in dispute"), required=False, min_value=0,
                                max_digits=14, decimal_places=2)
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        units = OrgUnit.objects.filter(active=True, kind__in=["branch", "sub_branch"])
        self.fields["account_branch"].choices = [  # type: ignore[attr-defined]
            ("", "—"), *((u.code, u.name) for u in units.order_by("path"))]

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
    file = forms.FileField(label=_("File"))


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
