"""/healthz: is this server able to do its work? Database, Redis (when REDIS_URL is set) and
the Celery pipeline's heartbeat (when TOUSU_TASKS=celery); /healthz?scope=web: the database
only, for load balancers. Answers 200 when every part is up and 503 naming the parts that are
not; it carries no customer data and needs no sign-in, so a load balancer or an orchestrator
can probe it."""

import json
import logging
import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse

from ops import redis

logger = logging.getLogger(__name__)


class Unhealthy(Exception):
    """A failure whose message is safe to show to anyone (no host, no address, no customer)."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    client = redis.client()
    if not client.ping():
        raise Unhealthy("no answer to PING")
    return "ok"


def check_worker() -> str:
    """The last heartbeat, written by a periodic task (beat → Redis → a worker), so a dead
    worker and a dead beat both show: either stops the sweeper too."""
    raw = redis.client().get(redis.HEARTBEAT_KEY)
    if raw is None:
        raise Unhealthy("no heartbeat from any worker")
    age = time.time() - float(raw)
    if age > settings.TOUSU_HEARTBEAT_MAX_AGE_S:
        raise Unhealthy(f"last heartbeat {age:.0f} s ago")
    return "ok"


def checks(*, web_only: bool = False) -> dict[str, str]:
    """Each part's state: "ok" or "fail: <reason>". An unexpected error is named by its class
    only (its text may hold a host name or an address); the log has the details. `web_only`:
    the database alone, what a web server needs to take complaints (a load balancer's probe:
    with Redis or the workers down intake goes on, so they must not take it out of rotation)."""
    parts = {"database": check_database}
    if settings.REDIS_URL and not web_only:
        parts["redis"] = check_redis
    if settings.TOUSU_TASKS == "celery" and not web_only:
        parts["worker"] = check_worker
    results = {}
    for name, check in parts.items():
        try:
            results[name] = check()
        except Unhealthy as exc:
            results[name] = f"fail: {exc}"
        except Exception as exc:
            logger.warning("health check %s failed: %s", name, exc)
            results[name] = f"fail: {type(exc).__name__}"
    return results


def healthz(*, web_only: bool = False) -> HttpResponse:
    results = checks(web_only=web_only)
    failed = sorted(name for name, state in results.items() if state != "ok")
    body = {"status": "fail" if failed else "ok", "failed": failed, "checks": results}
    response = HttpResponse(json.dumps(body), status=503 if failed else 200,
                            content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response
