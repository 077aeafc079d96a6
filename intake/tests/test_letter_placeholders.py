"""A letter template that names a placeholder no letter provides is refused in the admin, with
the name, instead of sending the customer a letter with a gap in it."""

from typing import Any

import pytest
from django.template import TemplateSyntaxError
from django.urls import reverse

from conftest import admin_client
from intake import letters
from intake.models import LetterTemplate
from org import cache

pytestmark = pytest.mark.django_db


def test_every_default_template_uses_only_the_placeholders_letters_provide() -> None:
    templates = list(LetterTemplate.objects.all())
    assert templates
    for template in templates:
        letters.check_syntax(template.subject)
        letters.check_syntax(template.body)


@pytest.mark.parametrize("text", [
    "尊敬的{{ custmer_name }}：", "{{ due_date|default:duedate }}", "{% if amonut %}x{% endif %}",
    "{% for line in reason_lines %}{{ line }}{% endfor %}", "{{ number.pk }}{{ numbr }}",
    "{{ pause_detail }}",  # documented once, never provided: it would always be blank
])
def test_a_misspelt_placeholder_is_refused_by_name(text: str) -> None:
    with pytest.raises(TemplateSyntaxError, match="unknown placeholder"):
        letters.check_syntax(text)


def test_loop_and_with_names_and_filters_are_accepted() -> None:
    letters.check_syntax("{% with n=number %}{{ n|upper }}{% endwith %}"
                         "{% for r in reasons %}{{ forloop.counter }}{{ r }}{% endfor %}"
                         "{% if amount and not remedy %}{{ amount|default:'-' }}{% endif %}")


def test_the_admin_refuses_a_template_with_a_misspelt_placeholder(cast: Any) -> None:
    template = LetterTemplate.objects.filter(language="zh-Hans").first()
    assert template is not None
    client = admin_client()
    url = reverse("admin:intake_lettertemplate_change", args=[template.pk])
    page = client.post(url, {"kind": template.kind, "language": template.language,
                             "pack": template.pack, "subject": template.subject,
                             "body": "尊敬的{{ custmer_name }}：您的投诉{{ number }}已受理。"})
    assert page.status_code == 200
    assert "unknown placeholder(s) custmer_name" in page.content.decode()
    template.refresh_from_db()
    assert "custmer_name" not in template.body


def test_an_edited_template_keeps_its_kind_language_and_pack(cast: Any) -> None:
    template = LetterTemplate.objects.filter(language="zh-Hans", kind="acknowledgement").first()
    assert template is not None
    other = "en" if template.language == "zh-Hans" else "zh-Hans"
    client = admin_client()
    url = reverse("admin:intake_lettertemplate_change", args=[template.pk])
    page = client.post(url, {"kind": "decision_notice", "language": other, "pack": template.pack,
                             "subject": template.subject, "body": template.body})
    assert page.status_code == 302
    template.refresh_from_db()
    assert (template.kind, template.language) == ("acknowledgement", "zh-Hans")
    assert template.version == 1  # nothing of it changed
    client.post(url, {"subject": template.subject, "body": template.body + "\n"
                      "如有疑问请致电客服。"})
    template.refresh_from_db()
    assert template.version == 2


@pytest.mark.parametrize("tag", ['{% include "footer.txt" %}', '{% url "home" %}',
                                 "{% debug %}"])
def test_a_tag_that_fails_when_the_letter_is_written_is_refused(tag: str) -> None:
    with pytest.raises(TemplateSyntaxError, match="cannot use the tag"):
        letters.check_syntax("{{ number }}" + tag)


def test_a_stored_template_that_fails_to_render_never_blocks_the_action(
        cast: Any, register: Any) -> None:
    from intake.models import Letter

    LetterTemplate.objects.filter(kind="acknowledgement").update(
        body='{{ number }}{% include "footer.txt" %}')
    cache.clear()  # update() sends no post_save
    c = register()
    letter = Letter.objects.get(complaint=c, kind="acknowledgement")
    assert letter.template is None and c.number in letter.body


def test_a_stored_broken_template_is_named_on_the_preview_not_a_500(cast: Any,
                                                                     register: Any) -> None:
    from complaints.errors import ActionError

    c = register()
    LetterTemplate.objects.filter(kind="acknowledgement").update(body='{% url "home" %}')
    cache.clear()  # update() sends no post_save
    with pytest.raises(ActionError, match="cannot be rendered"):
        letters.preview(c, "acknowledgement")
