"""One generic form renderer for every lifecycle action, built from the action's pydantic schema
(`complaints.action_schemas.ACTION_SCHEMAS`), so a new action or field needs no new template.

The Django form only turns HTML inputs into Python values; the pydantic schema stays the one
validator (the same one the API uses), and its errors are shown under the field they name."""

import base64
import datetime as dt
import enum
import re
import types
from decimal import Decimal
from typing import Annotated, Any, Union, cast, get_args, get_origin

from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from complaints.action_schemas import ACTION_SCHEMAS, ActionIn
from complaints.lifecycle import END, LIFECYCLE
from tousu.messages import validation_message

ACTION_LABELS: dict[str, Any] = {
    "register": _("Register"), "accept": _("Accept"), "decline": _("Decline"),
    "assign": _("Assign"), "claim": _("Claim"), "contact": _("Log a contact"),
    "add_evidence": _("Add evidence"), "schedule_visit": _("Schedule a visit"),
    "record_visit": _("Record a visit"),
    "answer_visit": _("Record the customer's answer to a visit"), "note": _("Add a note"),
    "propose_resolution": _("Propose a resolution"), "approve": _("Approve"),
    "return": _("Return for rework"), "respond": _("Respond"),
    "start_follow_up": _("Start follow-up"), "follow_up_result": _("Record follow-up result"),
    "request_review": _("Request a review"), "decide_review": _("Decide the review"),
    "refer": _("Refer"), "record_referral_outcome": _("Record referral outcome"),
    "extend": _("Extend the deadline"), "pause": _("Pause the clock"),
    "resume": _("Resume the clock"), "escalate": _("Escalate"), "withdraw": _("Withdraw"),
    "merge": _("Merge into another complaint"), "reopen": _("Reopen"),
    "reveal_customer": _("Customer details revealed"),
    "return_unclaimed": _("Work order returned unclaimed"),
    "rule_validity": _("Rule on validity"), "tag_root_cause": _("Tag the root cause"),
    "classify": _("Classification decided"),
    "letter_sent": _("Letter sent"), "letter_failed": _("Letter could not be sent"),
    "anonymise": _("Personal data anonymised after retention"),
    "release_handler": _("Work order returned: handler deactivated or no longer on the unit"),
    "regulator_transfer": _("Transferred by the regulator"),
    "record_group_size": _("Record the number of complainants"),
}

FIELD_LABELS: dict[str, Any] = {
    "text": _("Text"), "reason": _("Reason"), "detail": _("Details"), "unit": _("Unit code"),
    "handler": _("Handler (user name)"), "kind": _("Kind"), "summary": _("Summary"),
    "at": _("When"), "outbound": _("Outbound (we contacted the customer)"),
    "name": _("File name"), "content_base64": _("File"), "description": _("Description"),
    "proposed_at": _("Proposed time"), "place": _("Place"),
    "customer_consent": _("The customer consents"), "visit_id": _("Visit number"),
    "consent": _("The customer agrees"),
    "visited_at": _("Visited at"), "outcome": _("Outcome"), "decision": _("Decision"),
    "verification": _("How it was verified"), "basis": _("Basis"), "reasons": _("Reasons"),
    "sent_via": _("Sent via"), "proof_of_sending": _("Proof of sending"),
    "remedy": _("Remedy"), "amount": _("Amount"), "comment": _("Comment"),
    "satisfied": _("The customer is satisfied"), "score": _("Satisfaction (1-5)"),
    "body": _("Receiving body"), "reference": _("Reference"),
    "total_days": _("Total days allowed"), "approver": _("Approver (user name)"),
    "severity": _("Severity"), "via": _("Received via"), "into": _("Primary complaint number"),
    "validity": _("Validity"), "root_cause": _("Root cause"), "note": _("Note"),
    "obligation": _("Deadline"), "conditions": _("Conditions"),
    "new_facts": _("It brings new facts (the primary's clock restarts)"),
    "group_size": _("Number of complainants"),
    "in_person": _("They came in person (20 or more in person make it a major complaint)"),
}

# Free text that goes into the customer's notice as typed: the form says so under the field.
TO_CUSTOMER = _("Sent to the customer word for word in their notice: write it for them.")
CUSTOMER_TEXT = {("decline", "detail"), ("extend", "reason"), ("refer", "body"),
                 ("decide_review", "reasons"),
                 *((action, name) for action in ("respond", "propose_resolution")
                   for name in ("verification", "basis", "reasons"))}

# Actions that end the complaint for good (no action leads out of their state): the form asks
# the user to confirm, and the box is checked here, never sent to the schema.
IRREVERSIBLE = frozenset(action for action, move in LIFECYCLE.items() if move.target in END)
CONFIRM = "confirm"


def confirm_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("I confirm: this ends the handling of the complaint and cannot be undone."),
        required=True,
        error_messages={"required": _("Tick the box to confirm: this cannot be undone.")})


_BILINGUAL = re.compile(r"^(.*?[^\x00-\x7f][^\s]*)\s+([A-Za-z].*)$")


def bilingual(label: str) -> str:
    """The half of a "中文 English" choice label for the active language."""
    match = _BILINGUAL.match(str(label))
    if not match:
        return str(label)
    return match.group(2) if (get_language() or "").startswith("en") else match.group(1)


def _base(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `| None` (nor an `Annotated` inside it), and whether None was
    allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _plain(args[0]), len(args) < len(get_args(annotation))
    return _plain(annotation), False


def _plain(annotation: Any) -> Any:
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _metadata(info: FieldInfo) -> list[Any]:
    """The field's constraints, also those of an `Annotated` type made optional (`Money |
    None` keeps its limits inside the union)."""
    found = list(info.metadata)
    for arg in get_args(info.annotation):
        if get_origin(arg) is Annotated:
            for extra in get_args(arg)[1:]:
                found += extra.metadata if isinstance(extra, FieldInfo) else [extra]
    return found


def _limits(info: FieldInfo) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for meta in _metadata(info):
        if isinstance(meta, MaxLen):
            found["max_length"] = meta.max_length
        elif isinstance(meta, MinLen):
            found["min_length"] = meta.min_length
        elif isinstance(meta, Ge):
            found["min_value"] = meta.ge
        elif isinstance(meta, Gt):
            found["min_value"] = int(meta.gt) + 1  # type: ignore[call-overload]
        elif isinstance(meta, Le):
            found["max_value"] = meta.le
    return found


def _is_yes(value: str) -> bool:
    return value == "true"


def form_field(name: str, info: FieldInfo) -> forms.Field:
    """The HTML input for one schema field."""
    base, nullable = _base(info.annotation)
    has_default = info.default is not PydanticUndefined or info.default_factory is not None
    required = not has_default and not nullable
    label = FIELD_LABELS.get(name, name.replace("_", " "))
    initial = info.default if has_default and info.default is not None else None
    limits = _limits(info)
    if name == "content_base64":
        return forms.FileField(label=label, required=True)
    if get_origin(base) is list:
        (item,) = get_args(base) or (str,)
        if isinstance(item, type) and issubclass(item, enum.Enum):
            return forms.MultipleChoiceField(
                label=label, required=required,
                choices=[(m.value, bilingual(getattr(m, "label", m.value))) for m in item])
        return forms.CharField(label=label, required=required,
                               help_text=_("Separate several values with commas"))
    if isinstance(base, type) and issubclass(base, enum.Enum):
        choices = [(m.value, bilingual(getattr(m, "label", m.value))) for m in base]
        if nullable:  # "—" means "not given", which the schema takes as None
            choices = [("", "—"), *choices]
        # A choice with a default but no None has no "not given": it is required, preselected
        # on the default, so "—" is never offered only to be refused.
        return forms.ChoiceField(label=label, choices=choices, required=not nullable,
                                 initial=getattr(initial, "value", initial))
    if base is bool and not has_default:
        # A yes-or-no the action needs said (the customer satisfied, consenting): asked as such,
        # so a box left unticked is never taken for a "no".
        return forms.TypedChoiceField(label=label, required=True, coerce=_is_yes,
                                      choices=[("true", _("yes")), ("false", _("no"))],
                                      widget=forms.RadioSelect)
    if base is bool:
        return forms.BooleanField(label=label, required=False, initial=initial)
    if base is int:
        return forms.IntegerField(label=label, required=required, initial=initial,
                                  min_value=limits.get("min_value"),
                                  max_value=limits.get("max_value"))
    if base is Decimal:
        return forms.DecimalField(label=label, required=required, min_value=0,
                                  decimal_places=2, max_digits=14)
    if base is dt.datetime or getattr(base, "__name__", "") == "AwareDatetime":
        return forms.DateTimeField(
            label=label, required=required, input_formats=["%Y-%m-%dT%H:%M"],
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                       format="%Y-%m-%dT%H:%M"))
    max_length = limits.get("max_length")
    long_text = max_length is None or max_length > 200
    widget = forms.Textarea(attrs={"rows": 3}) if long_text else forms.TextInput()
    return forms.CharField(label=label, required=required, initial=initial, widget=widget,
                           max_length=max_length, min_length=limits.get("min_length"),
                           strip=True)


class ActionForm(forms.Form):
    """The form of one action: the schema's fields, and the version the user saw, hidden."""

    action: str = ""
    title: Any = ""
    schema: type[ActionIn] = ActionIn
    options: dict[str, list[tuple[str, str]]] = {}  # set per form by offer()

    def offer(self, options: dict[str, list[tuple[str, str]]]) -> "ActionForm":
        """Suggest values for text fields (rendered as a <datalist> under the input)."""
        self.options = {name: found for name, found in options.items() if name in self.fields}
        for name in self.options:
            self.fields[name].widget.attrs["list"] = f"{self.add_prefix(name)}-options"
        return self

    def accept_only(self, allowed: dict[str, set[str]]) -> "ActionForm":
        """Offer only the choices the action would accept (a choice it would refuse is not
        shown only to fail)."""
        for name, values in allowed.items():
            field = self.fields.get(name)
            if isinstance(field, forms.ChoiceField):
                offered = cast(list[tuple[str, Any]], field.choices)
                field.choices = [(v, label) for v, label in offered if v in values]
                if field.initial not in values:
                    field.initial = next(iter(field.choices), ("", ""))[0]
        return self

    def to_params(self) -> ActionIn | None:
        """The validated schema instance, or None with the errors added to the form."""
        data: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, forms.Field) or name == CONFIRM:
                continue
            if name == "content_base64":
                data[name] = base64.b64encode(value.read()).decode()
                if "name" in self.fields and not self.cleaned_data.get("name"):
                    data["name"] = (value.name or "evidence")[-200:]
            elif value is None or (value == "" and not self.fields[name].required
                                   and _base(self.schema.model_fields[name].annotation)[1]):
                continue
            elif isinstance(value, str) and get_origin(
                    _base(self.schema.model_fields[name].annotation)[0]) is list:
                data[name] = [v.strip() for v in value.split(",") if v.strip()]
            elif isinstance(value, enum.Enum):
                data[name] = value.value
            else:
                data.setdefault(name, value)
        try:
            return self.schema.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else None
                self.add_error(field if field in self.fields else None,
                               validation_message(dict(error)))
            return None


def action_form(action: str, version: int, data: Any = None, files: Any = None) -> ActionForm:
    """The form of `action` for a complaint at `version` (bound when `data` is given)."""
    schema = ACTION_SCHEMAS[action]
    fields: dict[str, forms.Field] = {
        "version": forms.IntegerField(widget=forms.HiddenInput, initial=version)
    }
    for name, info in schema.model_fields.items():
        if name == "version":
            continue
        field = form_field(name, info)
        if (action, name) in CUSTOMER_TEXT:
            field.help_text = TO_CUSTOMER
        if action == "add_evidence" and name == "name":
            field.required = False  # the uploaded file's own name by default
        fields[name] = field
    if action in IRREVERSIBLE:
        fields[CONFIRM] = confirm_field()
    form_class = type(f"{action.title().replace('_', '')}Form", (ActionForm,),
                      {**fields, "action": action, "schema": schema,
                       "title": ACTION_LABELS.get(action, action.replace("_", " "))})
    form: ActionForm = form_class(data=data, files=files, prefix=action,
                                  initial={"version": version})
    return form
