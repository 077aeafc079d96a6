"""Fixed-window rate limits on the portal's unauthenticated endpoints, in Django's cache (one
process's memory in the embedded default, Redis in production)."""

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def allow(bucket: str, key: str, limit: int, window_s: int) -> bool:
    """True while fewer than `limit` calls were made for (bucket, key) in this window."""
    name = f"portal-rl:{bucket}:{key}"
    if cache.add(name, 1, window_s):
        return True
    try:
        return cache.incr(name) <= limit
    except ValueError:  # expired between add and incr
        cache.add(name, 1, window_s)
        return True
