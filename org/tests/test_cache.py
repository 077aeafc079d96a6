"""The per-process cache of keys and units (org/cache.py) never outlives a revocation made in
another server process, and still spares each request the key's lookup."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from org import cache
from org.keys import issue_key
from org.models import ApiKey

pytestmark = pytest.mark.django_db


def _revoke_elsewhere(key: ApiKey, capture: Any) -> None:
    """Revoke the key as another server process would: its save and commit there, while this
    process's copies stay exactly as they were."""
    kept = dict(cache._entries)
    with capture(execute=True):
        key.active = False
        key.save()
    cache._entries.update(kept)


def test_a_key_revoked_in_another_process_is_refused_at_once(
        cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    key, token = issue_key("bj-app", ["complaints:read"], cast.bj)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/complaints").status_code == 200  # the key is now cached
    _revoke_elsewhere(key, django_capture_on_commit_callbacks)
    assert client.get("/api/v1/complaints").status_code == 401


def test_a_unit_deactivated_in_another_process_refuses_its_keys_at_once(
        cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    _, token = issue_key("bj-app", ["complaints:read"], cast.bj02)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/complaints").status_code == 200
    kept = dict(cache._entries)
    with django_capture_on_commit_callbacks(execute=True):
        cast.bj02.active = False
        cast.bj02.save()
    cache._entries.update(kept)
    assert client.get("/api/v1/complaints").status_code == 401


def test_a_cached_key_costs_one_read_of_the_stamp_and_no_lookup(cast: Any) -> None:
    _, token = issue_key("bj-app", ["complaints:read"], cast.bj)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/complaints").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/complaints").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "org_apikey" in s]
    assert len([s for s in sql if "tousu_cache" in s]) == 1


class Down:
    """The shared cache during a Redis outage."""

    def get(self, *args: object, **kwargs: object) -> None:
        raise ConnectionError("cache down")

    set = get


def test_an_unreadable_stamp_drops_the_copies(cast: Any, monkeypatch: Any) -> None:
    key, token = issue_key("bj-app", ["complaints:read"], cast.bj)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/complaints").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(active=False)  # no signal: nothing cleared
    monkeypatch.setattr(cache, "shared", Down())
    assert client.get("/api/v1/complaints").status_code == 401


def test_a_revocation_commits_while_the_shared_cache_is_down(
        cast: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any) -> None:
    key, _ = issue_key("bj-app", ["complaints:read"], cast.bj)
    monkeypatch.setattr(cache, "shared", Down())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        key.active = False
        key.save()
    assert len(callbacks) == 1
    assert not ApiKey.objects.get(pk=key.pk).active


def test_a_letter_template_edited_in_another_process_is_used_at_its_next_request(
        django_capture_on_commit_callbacks: Any) -> None:
    from intake.letters import template_for

    cache.request_started()
    template = template_for("acknowledgement", "zh-Hans")
    assert template is not None  # the defaults' row, now cached in this process
    cache.request_started()
    assert template_for("acknowledgement", "zh-Hans") is template  # kept between requests
    kept = dict(cache._entries)
    with django_capture_on_commit_callbacks(execute=True):
        elsewhere = type(template).objects.get(pk=template.pk)
        elsewhere.subject = "投诉受理通知（新）"
        elsewhere.save()
    cache._entries.update(kept)
    cache.request_started()  # the next request of this process
    fresh = template_for("acknowledgement", "zh-Hans")
    assert fresh is not None and fresh.subject == "投诉受理通知（新）"
