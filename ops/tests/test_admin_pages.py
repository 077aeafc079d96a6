"""Every page of the admin opens for the administrator: each model's list, search, add form and
an object's page (no 500 on any of them, with data in place)."""

from typing import Any

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from conftest import admin_client

pytestmark = pytest.mark.django_db


def test_every_admin_page_opens(cast: Any, register: Any) -> None:
    register()
    client = admin_client()
    opened = 0
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = reverse(f"{prefix}_changelist")
        for url in (changelist, changelist + "?q=BJ01"):
            response = client.get(url)
            assert response.status_code in (200, 302, 403), (url, response.status_code)
            opened += 1
        try:
            add = reverse(f"{prefix}_add")
        except NoReverseMatch:
            add = ""
        if add:
            assert client.get(add).status_code in (200, 302, 403), add
        first = model_admin.get_queryset(client.get(changelist).wsgi_request).first()
        if first is not None:
            url = reverse(f"{prefix}_change", args=[first.pk])
            assert client.get(url).status_code in (200, 302, 403), url
    assert opened >= 20


def test_the_admin_shows_no_complaint_text_identifier_or_one_time_code_in_full(
        cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action
    from notify.customer import notify_customer
    from notify.models import Notification

    c = register(content="客户手机13912345678，卡被盗刷", claim="退还款项 SECRET-CLAIM")
    c = run_action(cast.principal("mia"), c.number, "note",
                   ACTION_SCHEMAS["note"].model_validate({"version": c.version,
                                                          "text": "回拨13912345678"}))
    notify_customer(c, "portal_code", zh="您的验证码为482913。", en="Your code is 482913.",
                    key="code-test")
    code = Notification.objects.get(kind="portal_code")
    event = c.events.get(type="note")
    client = admin_client()
    pages = [client.get(reverse("admin:complaints_complaint_change", args=[c.pk])),
             client.get(reverse("admin:complaints_event_change", args=[event.pk])),
             client.get(reverse("admin:notify_notification_change", args=[code.pk]))]
    assert [p.status_code for p in pages] == [200, 200, 200]
    text = "".join(p.content.decode() for p in pages)
    assert "13912345678" not in text and "SECRET-CLAIM" not in text
    assert "482913" not in text and "139****5678" in text
