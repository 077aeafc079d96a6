"""/healthz: 200 when the database (and Redis, and the workers' heartbeat, where the profile has
them) answer, 503 naming the part that does not; open to probes whatever their Host header,
over plain HTTP, with no customer data."""

import socket
import time
from typing import Any

import pytest
from django.test import Client

from ops import redis as ops_redis


def _dead_redis() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there once the socket is closed


@pytest.mark.django_db
def test_it_answers_ok_with_the_database_alone_in_the_embedded_default(client: Client,
                                                                        settings: Any) -> None:
    settings.REDIS_URL = ""  # tools/test.sh exports one for the Celery tests
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failed": [], "checks": {"database": "ok"}}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_probe_is_answered_whatever_its_host_and_over_plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT, settings.REDIS_URL = True, ""
    response = Client().get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


@pytest.mark.django_db
def test_it_answers_503_naming_redis_when_redis_is_down(client: Client, settings: Any) -> None:
    settings.REDIS_URL = _dead_redis()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"] and body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "fail: ConnectionError"  # no host or port shown


@pytest.mark.django_db
def test_the_load_balancers_probe_stays_up_while_redis_and_the_workers_are_down(
        client: Client, settings: Any) -> None:
    """Intake goes on without Redis (README, Failure): /healthz?scope=web, what the load
    balancer probes, must not take every web server out of rotation."""
    settings.REDIS_URL, settings.TOUSU_TASKS = _dead_redis(), "celery"
    assert client.get("/healthz").status_code == 503
    response = client.get("/healthz?scope=web")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failed": [], "checks": {"database": "ok"}}


@pytest.mark.django_db
def test_with_celery_it_needs_a_recent_worker_heartbeat(client: Client, celery_redis: Any,
                                                        settings: Any) -> None:
    settings.TOUSU_HEARTBEAT_MAX_AGE_S = 90
    missing = client.get("/healthz")
    assert missing.status_code == 503
    assert missing.json()["failed"] == ["worker"]
    assert missing.json()["checks"]["worker"] == "fail: no heartbeat from any worker"
    celery_redis.set(ops_redis.HEARTBEAT_KEY, repr(time.time() - 200))
    stale = client.get("/healthz")
    assert stale.status_code == 503 and "last heartbeat" in stale.json()["checks"]["worker"]
    from tousu import tasks

    tasks.heartbeat()  # what the periodic task does on a worker
    fresh = client.get("/healthz")
    assert fresh.status_code == 200
    assert fresh.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"}
