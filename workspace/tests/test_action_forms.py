"""The generic action forms: one renderer covers every action of the lifecycle."""

from typing import Any

import pytest
from django.template.loader import render_to_string

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.lifecycle import LIFECYCLE
from workspace.forms import action_form

pytestmark = pytest.mark.django_db


class _C:
    number = "TS-20250101-000001"


@pytest.mark.parametrize("action", sorted(LIFECYCLE))
def test_every_action_form_renders_each_schema_field_with_a_label(action: str) -> None:
    form = action_form(action, 7)
    html = render_to_string("workspace/_action_form.html", {"form": form, "c": _C()})
    assert f'name="{action}-version"' in html and 'value="7"' in html
    for name in ACTION_SCHEMAS[action].model_fields:
        if name != "version":
            field_id = f"id_{action}-{name}"
            if form[name].widget_type == "radioselect":  # a yes/no: a legend, a label per answer
                field_id += "_0"
                assert f"<legend>{form[name].label} *</legend>" in html, name
            assert f'id="{field_id}"' in html and f'for="{field_id}"' in html, name


def test_schema_errors_are_shown_under_their_field() -> None:
    form = action_form("extend", 3, {"extend-version": "3", "extend-total_days": "0",
                                     "extend-reason": "x", "extend-approver": "max"})
    assert not form.is_valid() or form.to_params() is None
    assert "total_days" in form.errors and "reason" in form.errors


def test_a_valid_form_gives_the_schema_instance() -> None:
    form = action_form("contact", 2, {"contact-version": "2", "contact-kind": "call",
                                      "contact-summary": "called", "contact-outbound": "on"})
    assert form.is_valid()
    params: Any = form.to_params()
    assert params.version == 2 and params.kind == "call" and params.outbound is True


@pytest.mark.parametrize("action", sorted(LIFECYCLE))
def test_no_action_offers_a_dash_that_the_schema_would_refuse(action: str) -> None:
    """A "—" choice is offered only where the schema takes it as "not given" (None)."""
    from django import forms

    schema = ACTION_SCHEMAS[action]
    form = action_form(action, 3)
    for name, field in form.fields.items():
        if not isinstance(field, forms.ChoiceField) or ("", "—") not in list(field.choices):
            continue
        params = action_form(action, 3, {f"{action}-version": "3", f"{action}-{name}": ""})
        params.is_valid()
        assert name not in params.errors, (name, params.errors.get(name))
        assert schema.model_fields[name].default is None, name


@pytest.mark.parametrize(("action", "name", "default"), [
    ("propose_resolution", "sent_via", "sms"), ("respond", "sent_via", "sms"),
    ("escalate", "severity", "major")])
def test_a_choice_with_a_default_is_required_and_preselected(action: str, name: str,
                                                             default: str) -> None:
    field = action_form(action, 1).fields[name]
    assert field.required and ("", "—") not in list(field.choices)  # type: ignore[attr-defined]
    assert field.initial == default


def test_an_optional_amount_is_a_number_input_with_the_schemas_limits() -> None:
    from django import forms

    form = action_form("propose_resolution", 3)
    assert isinstance(form.fields["amount"], forms.DecimalField)
    assert not form.fields["amount"].required
    html = str(form["amount"])
    assert 'type="number"' in html and "textarea" not in html


def test_schema_errors_read_in_the_pages_language() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        form = action_form("extend", 3, {"extend-version": "3", "extend-total_days": "30",
                                         "extend-reason": "too late", "extend-approver": "max"})
        assert form.is_valid()
        form.cleaned_data["reason"] = "x"  # what only the schema checks fails the same way
        assert form.to_params() is None
        assert form.errors["reason"] == ["至少 2 个字符"]


def test_bulk_assign_names_the_field_without_pydantics_dump(cast: Any, register: Any) -> None:
    from django.contrib.messages import get_messages

    c = register()
    response = cast.client("mia").post("/bulk-assign/", {"numbers": [c.number], "unit": ""},
                                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "pydantic" not in shown and "Input should" not in shown
    assert c.number in shown and "至少 1 个字符" in shown, shown


@pytest.mark.parametrize(("action", "name"), [("decline", "detail"), ("extend", "reason"),
                                              ("respond", "reasons"), ("decide_review", "reasons")])
def test_free_text_sent_to_the_customer_is_marked_so_on_the_form(action: str, name: str) -> None:
    from django.utils import translation

    for language, words in [("zh-hans", "原样写入发给客户"), ("en", "Sent to the customer")]:
        with translation.override(language):
            html = render_to_string("workspace/_action_form.html",
                                    {"form": action_form(action, 7), "c": _C()})
        assert f'id="id_{action}-{name}_helptext"' in html and words in html
    html = render_to_string("workspace/_action_form.html", {"form": action_form("note", 7),
                                                            "c": _C()})
    assert "Sent to the customer" not in html and "原样写入" not in html
