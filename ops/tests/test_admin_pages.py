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
