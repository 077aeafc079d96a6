"""Typed readers for environment variables that fail fast on a bad value."""

import ipaddress
import os
from urllib.parse import quote, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def env_networks(name: str, default: list[str]) -> tuple[Network, ...]:
    """Addresses and networks ("10.0.0.5, 10.1.0.0/16, ::1"), refused at start when unreadable."""
    try:
        return tuple(ipaddress.ip_network(item, strict=False) for item in env_list(name, default))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None


PREPARE_AFTER = 5  # runs of a statement before psycopg has PostgreSQL prepare it


def database_from_url(url: str) -> dict[str, object]:
    """Turn `sqlite:///path` or `postgres://user:pw@host:port/name` into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return sqlite_database(unquote(parsed.path.removeprefix("/")) or "tousu.sqlite3")
    if parsed.scheme in {"postgres", "postgresql"}:
        try:
            port = parsed.port
        except ValueError:  # urllib's own error names neither the variable nor the fix
            raise ImproperlyConfigured("DATABASE_URL: the port must be a number") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.removeprefix("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "ATOMIC_REQUESTS": False,
            # Parameters bound by the server, and statements run five times prepared by it:
            # the intake's queries skip PostgreSQL's parse and plan (registration ~20% faster,
            # measured). Off for a pooler that cannot keep prepared statements (PgBouncer in
            # transaction mode before 1.21).
            "OPTIONS": _pg_options(env_bool("TOUSU_PG_PREPARED", True)),
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")


def _pg_options(prepared: bool) -> dict[str, object]:
    if not prepared:
        return {"server_side_binding": False}
    return {"server_side_binding": True, "prepare_threshold": PREPARE_AFTER}


def sqlite_database(path: str) -> dict[str, object]:
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue for it instead of failing with "database is locked" on upgrade; the backend
    # (tousu/sqlite) waits for the lock in short steps, so the queue is fair and fast.
    return {
        "ENGINE": "tousu.sqlite",
        "NAME": path,
        # Opening a connection (PRAGMAs, schema) costs more than a whole registration's SQL.
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 0.005,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-64000;"
            ),
        },
    }


def database_url(db: dict[str, object]) -> str:
    """The DATABASE_URL of a DATABASES entry (the inverse of database_from_url): how a
    subprocess started by a test or a benchmark reaches the same database."""
    name = str(db["NAME"])
    if db["ENGINE"] == "tousu.sqlite":
        return f"sqlite:///{name}"
    auth = quote(str(db.get("USER") or ""))
    if db.get("PASSWORD"):
        auth += ":" + quote(str(db["PASSWORD"]))
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{db.get('HOST') or ''}{port}/{quote(name)}"


REDIS_TIMEOUT_S = 1.0
CACHE_TABLE = "tousu_cache"  # created by portal/migrations/0002_cache_table, whatever the backend


def cache_settings(redis_url: str) -> dict[str, dict[str, object]]:
    """CACHES: Redis when REDIS_URL is set (shared by every web server); otherwise a table in the
    database, shared by the processes of one machine and kept over restarts (never a process's
    own memory: each gunicorn worker would count the portal's rate limits apart)."""
    if redis_url:
        # A Redis that hangs (rather than refuses) fails a cache read in REDIS_TIMEOUT_S
        # instead of holding the request: the API-key stamp and rate limits read it each time.
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": redis_url, "KEY_PREFIX": "tousu",
                            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_S,
                                        "socket_timeout": REDIS_TIMEOUT_S}}}
    # Room for the counters of many addresses: culling would forget some before their window.
    return {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                        "LOCATION": CACHE_TABLE, "OPTIONS": {"MAX_ENTRIES": 100_000}}}
