"""One Redis client per process for the production profile (REDIS_URL): the outbox kick, the
worker heartbeat and /healthz. Short timeouts, so a Redis outage costs a request milliseconds,
never a hang."""

import functools
from typing import Any

from django.conf import settings

HEARTBEAT_KEY = "tousu:heartbeat:worker"
OUTBOX_QUEUED_KEY = "tousu:outbox:queued"


@functools.cache
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                health_check_interval=30)


def client() -> Any:
    """The client for REDIS_URL; None when no Redis is configured (the embedded default)."""
    url = str(settings.REDIS_URL)
    return _client(url) if url else None
