"""The staff entry form for complaints received by phone, at the counter, by letter or in a
visit; and the letter form."""

import datetime as dt
import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from complaints.choices import REGULATOR_SOURCES, Channel, Language, Source, Vulnerability
from intake.choices import LetterChannel, LetterKind
from intake.identifiers import halfwidth

STAFF_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.COUNTER, Channel.LETTER,
                                               Channel.VISIT, Channel.EMAIL)]
MAX_FILES = 10
TRANSFERS = {Source.HEAD_OFFICE, *REGULATOR_SOURCES}


_DATE_ONLY = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}")
_MOMENT = forms.DateTimeField(input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])


class DateOrTimeField(forms.Field):
    """A date alone, which registration reads as due by 24:00 of that day (as the API does), or
    a date and time, local unless it carries its offset."""

    widget = forms.TextInput(attrs={"placeholder": "2026-12-01 / 2026-12-01 17:00"})

    def to_python(self, value: Any) -> dt.date | dt.datetime | None:
        text = halfwidth(str(value or ""))
        if not text:
            return None
        try:
            if _DATE_ONLY.fullmatch(text):
                return dt.datetime.strptime(text.replace("/", "-"), "%Y-%m-%d").date()  # noqa: DTZ007
            moment: dt.datetime = _MOMENT.clean(text)
            return moment
        except (ValueError, forms.ValidationError):
            raise forms.ValidationError(
                f"“{text}”不是有效的日期或时间（如 2026-12-01 或 2026-12-01 17:00） / “{text}” "
                "is not a date or a date and time (e.g. 2026-12-01 or 2026-12-01 17:00)"
            ) from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files at once; each must be within the size limit (refused before reading)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"最多 {MAX_FILES} 个文件 / at most {MAX_FILES} files")
        limit = settings.TOUSU_MAX_ATTACHMENT_BYTES
        cleaned = []
        for f in files:
            if f.size is not None and f.size > limit:
                raise forms.ValidationError(
                    f"文件“{f.name}”为 {f.size / 1048576:.1f} MiB，超过 {limit / 1048576:.0f} MiB "
                    f"上限，未保存。/ The file “{f.name}” is {f.size / 1048576:.1f} MiB, over the "
                    f"{limit / 1048576:.0f} MiB limit; nothing was saved.")
            cleaned.append(super().clean(f, initial))
        return cleaned


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(label="渠道 Channel", choices=STAFF_CHANNELS)
    source = forms.ChoiceField(label="来源 Source", choices=Source.choices, initial=Source.DIRECT)
    external_ref = forms.CharField(
        label="转办编号 Transfer reference", max_length=100, required=False,
        help_text="监管或总行转办时必填 / required for a regulator's or head office's transfer")
    received_at = forms.DateTimeField(
        label="收到时间 Received at", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="留空为现在 / empty: now")
    regulator_due = DateOrTimeField(
        label="监管要求反馈期限 Regulator's deadline", required=False,
        help_text="仅监管转办：日期（当日24:00止）或日期和时间 / a regulator's transfer only: a "
                  "date (due by 24:00) or a date and time")
    name = forms.CharField(label="客户姓名 Customer name", max_length=200)
    phone = forms.CharField(label="电话 Phone", max_length=32, required=False)
    email = forms.CharField(label="邮箱 Email", max_length=254, required=False)
    id_number = forms.CharField(label="证件号码 ID number", max_length=32, required=False)
    language = forms.ChoiceField(label="语言 Language", choices=Language.choices)
    vulnerable = forms.MultipleChoiceField(label="特殊群体 Vulnerable", required=False,
                                           choices=Vulnerability.choices,
                                           widget=forms.CheckboxSelectMultiple)
    unit = forms.CharField(label="责任机构代码 Unit code", max_length=32, required=False,
                           help_text="留空由路由规则决定 / empty: routing decides")
    product = forms.CharField(label="产品 Product", max_length=200, required=False)
    content = forms.CharField(label="投诉内容 What happened", widget=forms.Textarea)
    claim = forms.CharField(label="诉求 Claim", widget=forms.Textarea(attrs={"rows": 3}),
                            required=False)
    amount = forms.DecimalField(label="争议金额 Amount", required=False, min_value=0,
                                max_digits=14, decimal_places=2)
    group_size = forms.IntegerField(
        label="投诉人数 Complainants", required=False, min_value=1, max_value=1_000_000,
        help_text="共同投诉的人数；20人以上到场为重大投诉 / how many complain together; 20 or "
                  "more in person make it major")
    evidence = EvidenceField(label="证据 Evidence", required=False,
                             help_text="PDF、图片、Office、文本、音频 / PDF, images, Office, "
                                       "text, audio")
    token = forms.CharField(widget=forms.HiddenInput)  # one complaint per form, however often sent

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("source") in TRANSFERS and not cleaned.get("external_ref"):
            # Without it the regulator's feedback cannot be matched, and the same transfer in
            # a later import file would be registered a second time.
            self.add_error("external_ref", "转办须填写转办编号 / a transfer needs its reference")
        return cleaned

    def payload(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "channel": d["channel"], "source": d["source"], "received_at": d["received_at"],
            "external_ref": d["external_ref"],
            "customer": {"name": d["name"], "phone": halfwidth(d["phone"]),
                         "email": halfwidth(d["email"]), "id_number": halfwidth(d["id_number"]),
                         "language": d["language"], "vulnerable": d["vulnerable"]},
            "unit": d["unit"], "product": d["product"], "content": d["content"],
            "claim": d["claim"], "amount": d["amount"], "group_size": d["group_size"],
            # Hidden for any other source, so what was typed before the source changed is not
            # used (nor refused under a field the page no longer shows).
            "regulator_due": d["regulator_due"] if d["source"] in REGULATOR_SOURCES else None,
        }


FIELD_OF = {"customer.name": "name", "customer.phone": "phone", "customer.email": "email",
            "customer.id_number": "id_number", "customer.language": "language",
            "customer.vulnerable": "vulnerable", "external_ref": "external_ref"}


class LetterForm(forms.Form):
    kind = forms.ChoiceField(label="函件 Letter", choices=LetterKind.choices)
    channel = forms.ChoiceField(label="方式 Sent by", choices=LetterChannel.choices)
    proof = forms.CharField(label="发送凭证 Proof of sending", max_length=200, required=False,
                            help_text="邮寄单号、通话记录号或签收单 / post reference, call record "
                                      "or signed receipt (SMS and email: the gateway's receipt)")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HeldMessageForm(forms.Form):
    """Registering a held message as a complaint: why (required, recorded), and the customer's
    address when the message's own sender is not the customer's."""

    reason = forms.CharField(label=_("Why it is a complaint"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(
        label=_("Customer address"), max_length=254, required=False,
        help_text=_("Optional: the customer's email (for an SMS, phone) when the sender is not "
                    "the customer, e.g. the original sender of a branch's forward"))
