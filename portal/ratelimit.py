"""Fixed-window rate limits on the portal's unauthenticated endpoints, in Django's cache: Redis
when REDIS_URL is set (shared by every web server), else a table in the database (shared by the
processes of one machine, kept over restarts; tousu.envconf.cache_settings)."""

import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    """The customer's address: REMOTE_ADDR, or behind TOUSU_TRUSTED_PROXIES proxies that each
    append to X-Forwarded-For, the right-most hop none of them added (a client may put anything
    to the left of it)."""
    return client_address(request.META)


def client_address(meta: Mapping[str, Any]) -> str:
    """client_ip from a request's META or a WSGI environ (gunicorn's access log, ops.gunicorn).
    X-Forwarded-For counts only from a peer in TOUSU_PROXY_ADDRESSES."""
    remote = str(meta.get("REMOTE_ADDR", ""))
    proxies = settings.TOUSU_TRUSTED_PROXIES
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if hop.strip()]
    if proxies <= 0 or not hops or not _from_proxy(remote):
        return remote
    return hops[-proxies] if len(hops) >= proxies else hops[0]


def _from_proxy(remote: str) -> bool:
    try:
        peer = ipaddress.ip_address(remote)
    except ValueError:
        return False
    if any(peer in network for network in settings.TOUSU_PROXY_ADDRESSES):
        return True
    if not _warned:
        _warned.append(remote)
        logger.warning("X-Forwarded-For from %s, not a proxy of TOUSU_PROXY_ADDRESSES: ignored, "
                       "the connection's address counts", remote)
    return False


_warned: list[str] = []  # once a process: a misconfigured proxy list, or a client forging


def retry_after(window_s: int) -> int:
    """Seconds until the current window ends."""
    return window_s - int(time.time()) % window_s


def allow(bucket: str, key: str, limit: int, window_s: int) -> bool:
    """True while fewer than `limit` calls were made for (bucket, key) in this window. Counted
    with add and incr: atomic on Redis, one statement each on the database."""
    # Addresses and complaint numbers are kept only as keyed hashes (the table keeps expired rows).
    digest = hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()
    name = f"portal-rl:{bucket}:{digest[:32]}:{int(time.time()) // window_s}"
    if cache.add(name, 1, window_s):
        return True
    try:
        return cache.incr(name) <= limit
    except ValueError:  # expired between add and incr
        cache.add(name, 1, window_s)
        return True
