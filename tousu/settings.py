"""Settings for Tousu, driven only by environment variables.

The embedded default (no variable set) is SQLite in WAL mode, in-process background work and the
console for email and SMS: what `make run` serves.
"""

import os
from pathlib import Path

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from tousu.envconf import (
    cache_settings,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TOUSU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The production profile: HTTPS only (secure cookies, SSL redirect, HSTS) and JSON logs; it
# refuses to start with DEBUG on or without a real SECRET_KEY. See README, "Production profile".
TOUSU_PRODUCTION = env_bool("TOUSU_PRODUCTION", False)
# The embedded default generates no secret: it must be stable across restarts for sessions, so a
# development-only value is used unless SECRET_KEY is set (production must set it).
_EMBEDDED_SECRET_KEY = "tousu-embedded-default-not-for-production"  # noqa: S105 (not a secret)
SECRET_KEY = env_str("SECRET_KEY", _EMBEDDED_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
if TOUSU_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("TOUSU_PRODUCTION: DEBUG must be off")
if TOUSU_PRODUCTION and (SECRET_KEY == _EMBEDDED_SECRET_KEY or len(set(SECRET_KEY)) < 5
                         or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("TOUSU_PRODUCTION: set SECRET_KEY to 50 or more random characters "
                               "(python -c 'import secrets; print(secrets.token_urlsafe(50))')")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the OpenAPI docs' assets locally: no CDN on a bank intranet
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "org",
    "complaints",
    "clocks",
    "notify",
    "triage",
    "workspace",
    "reports",
    "intake",
    "portal",
    "demo",
    "ops",
    "privacy",
]

MIDDLEWARE = [
    # /healthz and /metrics, answered before host checks and the SSL redirect (ops/middleware).
    "ops.middleware.OpsEndpointsMiddleware",
    "tousu.errors.ApiErrorShapeMiddleware",  # 405s on API paths in the API's error shape
    "django.middleware.security.SecurityMiddleware",
    "ops.csp.CSPMiddleware",  # django-csp's, with the policy string built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ops.sessions.RenewSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
# django-prometheus's per-request metrics (latency by view, responses by status): off unless
# asked for, since they cost ~0.2 ms a request (measured) on the intake path; a load balancer's
# or gunicorn's own request metrics are the cheaper source. /metrics works either way.
TOUSU_REQUEST_METRICS = env_bool("TOUSU_REQUEST_METRICS", False)
if TOUSU_REQUEST_METRICS:
    MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware", *MIDDLEWARE,
                  "django_prometheus.middleware.PrometheusAfterMiddleware"]

ROOT_URLCONF = "tousu.urls"
WSGI_APPLICATION = "tousu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tousu.sqlite3'}")
    )
}
if "sqlite" in str(DATABASES["default"]["ENGINE"]):
    # Tests use a file, not shared-cache memory, so concurrency tests meet the real locking.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies older hashes, then upgrades
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account before checking it
    "django.contrib.auth.backends.ModelBackend",
]
# Lock an account (per user name) after repeated failed sign-ins, for a cool-off period.
AXES_FAILURE_LIMIT = env_int("TOUSU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("TOUSU_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_CALLABLE = "ops.lockout.lockout"  # a bilingual page that says for how long
AXES_CLIENT_IP_CALLABLE = "ops.lockout.sign_in_address"  # behind the proxy, the client's
# Lock by user name alone on purpose: an attacker rotating addresses must not get more guesses
# at one staff account (axes suggests adding the address, which would allow exactly that).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Tousu"
# The admin never shows a staff member's TOTP secret (nor its QR code) once the device exists:
# authenticators are enrolled with `manage.py enroll_totp`, which prints the secret once.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = env_str("TOUSU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]  # .po in git; .mo compiled by `make install`
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# htmx and ECharts, copied from node_modules (npm ci) by `make install`: served locally, no CDN.
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
STATICFILES_DIRS[0].mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Evidence arrives base64-encoded in JSON: 10 MiB of file is about 13.4 MiB of body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024
# Evidence files: a directory every web server and worker shares (a mounted volume when scaled
# out); TOUSU_MEDIA_ROOT moves it.
MEDIA_ROOT = Path(env_str("TOUSU_MEDIA_ROOT", str(VAR_DIR / "media")))
# Customers' documents: never readable by every account on the machine (Django's default is
# 0644); the group may be a service group shared by the web servers and the workers.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
# Staff handle customers' personal data: a session ends after this many idle minutes (use
# renews it, at most once a minute: ops.sessions) and when the browser closes.
SESSION_IDLE_MINUTES = env_int("TOUSU_SESSION_IDLE_MINUTES", 30)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("TOUSU_SESSION_IDLE_MINUTES must be at least 1")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The embedded default serves plain HTTP on loopback; the production profile serves HTTPS only.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", TOUSU_PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Complaint numbers are in URLs: never send them to another site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Off where a proxy in front already redirects HTTP; /healthz and /metrics never redirect.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", TOUSU_PRODUCTION)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients):
# opt-in, since trusting the header without such a proxy lets anyone claim HTTPS.
if env_bool("TOUSU_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front append to X-Forwarded-For: the portal's rate limits then count the
# hop the nearest of them did not add (portal/ratelimit.py); 0 (default): REMOTE_ADDR.
TOUSU_TRUSTED_PROXIES = env_int("TOUSU_TRUSTED_PROXIES", 0)
# The nearest proxy's own addresses: X-Forwarded-For from any other peer (a client reaching a
# web server directly) is ignored, so it can forge neither the rate-limit key nor the log.
TOUSU_PROXY_ADDRESSES = env_networks("TOUSU_PROXY_ADDRESSES", ["127.0.0.0/8", "::1"])
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if TOUSU_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a promise to browsers that is slow to take back: only on request.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
# Content-Security-Policy (django-csp 4): this origin only. Inline <script> and <style> blocks
# carry the per-request nonce (`nonce="{{ request.csp_nonce }}"`); style attributes are allowed
# (they cannot run code, and images and connections are limited to this origin anyway).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tousu@localhost")
# SMTP (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend): the bank's relay.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# Tousu's own settings.
TOUSU_RULE_PACK = env_str("TOUSU_RULE_PACK", "cn")
# Installation overrides of a pack's [M] numbers, JSON: {"us-cfpb": {"reg_z_resolution": {...}}}.
TOUSU_RULE_OVERRIDES = env_str("TOUSU_RULE_OVERRIDES", "")
# Deadline warnings this long before each due time (d, h or m), and how often the sweep runs.
TOUSU_DEADLINE_WARNINGS = env_list("TOUSU_DEADLINE_WARNINGS", ["3d", "1d"])
TOUSU_SWEEP_INTERVAL_S = env_int("TOUSU_SWEEP_INTERVAL_S", 60)
# "inprocess": background work runs on a thread in each server process (embedded default);
# "celery": it is queued for Celery workers (production profile).
# ("manual": nothing runs by itself; the tests.) Another value would run no background work at
# all, deliveries and the deadline sweeper included, with /healthz still saying ok: refused.
TOUSU_TASKS = env_str("TOUSU_TASKS", "inprocess")
if TOUSU_TASKS not in {"inprocess", "celery", "manual"}:
    raise ImproperlyConfigured(f"TOUSU_TASKS must be inprocess or celery, got {TOUSU_TASKS!r}")
TOUSU_SMS_GATEWAY = env_str("TOUSU_SMS_GATEWAY", "console")
if TOUSU_SMS_GATEWAY not in {"console", "http"}:
    raise ImproperlyConfigured(
        f"TOUSU_SMS_GATEWAY must be console or http, got {TOUSU_SMS_GATEWAY!r}")
# Keys for customer identifiers encrypted at rest, newest first (rotation keeps the old ones).
TOUSU_FIELD_KEYS = env_list("TOUSU_FIELD_KEYS", [])
# Real complaint data (never copied into the repo): demo texts, triage training, benchmarks.
TOUSU_DATA_DIR = Path(env_str("TOUSU_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))
TOUSU_MAX_TEXT = env_int("TOUSU_MAX_TEXT", 20_000)
# A complaint registered with a received time older than this is refused as a likely typo
# (a year entered wrong): its deadlines would all be long breached on arrival.
TOUSU_MAX_RECEIVED_AGE_DAYS = env_int("TOUSU_MAX_RECEIVED_AGE_DAYS", 180)
# Days a decision notice sent by post is taken to need to reach the customer: their review
# window (CN Art. 20: 30 days from receiving the decision) starts then. The bank's assumption.
TOUSU_POST_DELIVERY_DAYS = env_int("TOUSU_POST_DELIVERY_DAYS", 3)
# A regulator transfer file with more rows is imported in the background, with its progress.
TOUSU_REGULATOR_SYNC_ROWS = env_int("TOUSU_REGULATOR_SYNC_ROWS", 300)
TOUSU_MAX_ATTACHMENT_BYTES = env_int("TOUSU_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
TOUSU_PAGE_SIZE_MAX = 200
# Rows each statistics cell is kept as on PostgreSQL, so concurrent writers do not queue on one
# row lock (reports/rollups.py, slot_of); SQLite keeps one.
TOUSU_ROLLUP_SLOTS = env_int("TOUSU_ROLLUP_SLOTS", 8)

# Intake channels (intake/). Complaints arriving by email, SMS or regulator transfer are registered
# on this unit (routing rules may send them on); empty: the root of the org tree.
TOUSU_INTAKE_UNIT = env_str("TOUSU_INTAKE_UNIT", "")
# The complaints mailbox polled by `manage.py fetch_mail` and the periodic job (off when no host).
TOUSU_IMAP_HOST = env_str("TOUSU_IMAP_HOST", "")
TOUSU_IMAP_PORT = env_int("TOUSU_IMAP_PORT", 993)
TOUSU_IMAP_SECURITY = env_str("TOUSU_IMAP_SECURITY", "ssl")  # ssl | starttls | none
TOUSU_IMAP_USER = env_str("TOUSU_IMAP_USER", "")
TOUSU_IMAP_PASSWORD = env_str("TOUSU_IMAP_PASSWORD", "")
TOUSU_IMAP_MAILBOX = env_str("TOUSU_IMAP_MAILBOX", "INBOX")
# Where a message goes once its complaint is committed; empty: it stays, flagged $TousuIngested.
TOUSU_IMAP_DONE_MAILBOX = env_str("TOUSU_IMAP_DONE_MAILBOX", "")
TOUSU_IMAP_POLL_S = env_int("TOUSU_IMAP_POLL_S", 60)
TOUSU_MAX_MAIL_BYTES = env_int("TOUSU_MAX_MAIL_BYTES", 50 * 1024 * 1024)
# The bank's own mail domains (comma-separated, e.g. "bank.example,branch.bank.example"; a
# subdomain counts). Mail from them, or from an active staff member's address, is a branch
# forwarding a customer's mail: the original sender is registered, or it is held for an agent.
TOUSU_BANK_MAIL_DOMAINS = [d.strip().lower().lstrip("@") for d in
                           env_list("TOUSU_BANK_MAIL_DOMAINS", []) if d.strip()]
# The authserv-id the bank's mail gateway writes in its Authentication-Results headers (RFC 8601):
# only those say whether mail claiming a bank address is authentic. Empty: the topmost header.
TOUSU_MAIL_AUTHSERV_ID = env_str("TOUSU_MAIL_AUTHSERV_ID", "")
# Inbound SMS webhook: HMAC-SHA256 shared with the gateway (empty: the webhook is off), and the
# accepted clock difference; a nonce is accepted once within it.
TOUSU_SMS_WEBHOOK_SECRET = env_str("TOUSU_SMS_WEBHOOK_SECRET", "")
TOUSU_SMS_WEBHOOK_WINDOW_S = env_int("TOUSU_SMS_WEBHOOK_WINDOW_S", 300)
# Outbound SMS through an HTTP gateway (TOUSU_SMS_GATEWAY=http): its URL and signing secret.
TOUSU_SMS_GATEWAY_URL = env_str("TOUSU_SMS_GATEWAY_URL", "")
TOUSU_SMS_GATEWAY_SECRET = env_str("TOUSU_SMS_GATEWAY_SECRET", "")
# Group-chat robots are reached by https on the internet only: an address inside the bank's
# network (loopback, private, link-local) is refused when saved and when posted to, unless the
# bank runs its robots' gateway in-house (then http and internal addresses are accepted).
TOUSU_WEBHOOK_ALLOW_INTERNAL = env_bool("TOUSU_WEBHOOK_ALLOW_INTERNAL", False)
# Evidence is scanned by clamd when this is set: "tcp://host:3310" or "unix:///run/clamd.ctl".
TOUSU_CLAMD = env_str("TOUSU_CLAMD", "")
# Retention (privacy/, `manage.py purge_expired`). Complaint materials are kept at least 3 years
# after closure (PBOC Art. 44; see shared/REGULATION.md) — less is refused; then the customer's
# personal data is anonymised and the complaint kept for statistics. The other periods are the
# bank's choice.
TOUSU_RETENTION_COMPLAINT_YEARS = env_int("TOUSU_RETENTION_COMPLAINT_YEARS", 3)
TOUSU_RETENTION_NOTIFICATION_DAYS = env_int("TOUSU_RETENTION_NOTIFICATION_DAYS", 180)
TOUSU_RETENTION_QUARANTINE_DAYS = env_int("TOUSU_RETENTION_QUARANTINE_DAYS", 3 * 366)
TOUSU_RETENTION_PORTAL_CODE_DAYS = env_int("TOUSU_RETENTION_PORTAL_CODE_DAYS", 7)
TOUSU_RETENTION_LOGIN_LOG_DAYS = env_int("TOUSU_RETENTION_LOGIN_LOG_DAYS", 365)
TOUSU_RETENTION_ACCESS_LOG_YEARS = env_int("TOUSU_RETENTION_ACCESS_LOG_YEARS", 5)
# The beat runs the same purge daily at 02:30 local time when this is on; off by default, so a
# bank turns it on once it has reviewed the periods above (`purge_expired --dry-run`).
TOUSU_RETENTION_PURGE_AUTO = env_bool("TOUSU_RETENTION_PURGE_AUTO", False)
# Triage retraining (triage/retrain.py): "weekly" retrains at 03:30 local time on the first
# beat run of each ISO week when staff decided suggestions since the active model, and activates
# the new model only if it is not worse on held-out confirmed complaints. Off by default: in the
# embedded default the training (1-4 CPU minutes) runs inside a web server process; with Celery
# it runs on the `bulk` queue.
TOUSU_TRIAGE_RETRAIN = env_str("TOUSU_TRIAGE_RETRAIN", "off")
if TOUSU_TRIAGE_RETRAIN not in {"off", "weekly"}:
    raise ImproperlyConfigured(
        f"TOUSU_TRIAGE_RETRAIN must be off or weekly, got {TOUSU_TRIAGE_RETRAIN!r}")

# The production profile's background work (TOUSU_TASKS=celery): Redis is the broker; beat's
# schedule is tousu/beat.py's JOBS (tousu/celery.py). Empty: no Redis (the embedded default).
REDIS_URL = env_str("REDIS_URL", "")
if TOUSU_TASKS == "celery" and not REDIS_URL:
    raise ImproperlyConfigured("TOUSU_TASKS=celery needs REDIS_URL (redis://host:6379/0)")
# Without a scheme Celery would read it as RabbitMQ's amqp://guest@… and retry that for ever.
if REDIS_URL and REDIS_URL.partition("://")[0] not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(f"REDIS_URL must be redis://host:port/db (or rediss://, unix://), "
                               f"got {REDIS_URL.rpartition('@')[2]!r}")
CELERY_BROKER_URL = REDIS_URL
# The portal's rate limits: Redis when REDIS_URL is set, else a database table (envconf).
CACHES = cache_settings(REDIS_URL)
CELERY_TIMEZONE = TIME_ZONE  # beat's daily jobs run at local time, as beat.JOBS says
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # tasks report through the database, not a result backend
# A task is acknowledged once done, and given back when its worker dies, so a crash mid-task
# reruns it (every task is idempotent); each worker process reserves one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("TOUSU_TASK_SOFT_TIME_LIMIT_S", 240)
CELERY_TASK_TIME_LIMIT = env_int("TOUSU_TASK_TIME_LIMIT_S", 300)
# An unacknowledged task goes back to the queue after this long: above the longest task's
# time limit (model training), or Redis would hand a running task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "tousu"
# Long jobs on their own queue, so a worker can be given to them alone (README, "Scaling out").
CELERY_TASK_ROUTES = {"tousu.tasks.train_triage": {"queue": "bulk"},
                      "tousu.tasks.rebuild_rollups": {"queue": "bulk"}}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # LOGGING below applies in workers too
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The worker heartbeat (a periodic task) that /healthz reads in TOUSU_TASKS=celery.
TOUSU_HEARTBEAT_S = env_int("TOUSU_HEARTBEAT_S", 30)
TOUSU_HEARTBEAT_MAX_AGE_S = env_int("TOUSU_HEARTBEAT_MAX_AGE_S", 3 * TOUSU_HEARTBEAT_S)
# /metrics answers a request bearing `Authorization: Bearer <token>` when this is set, and one
# from loopback that came through no proxy unless TOUSU_METRICS_ALLOW_LOOPBACK is false.
TOUSU_METRICS_TOKEN = env_str("TOUSU_METRICS_TOKEN", "")
TOUSU_METRICS_ALLOW_LOOPBACK = env_bool("TOUSU_METRICS_ALLOW_LOOPBACK", True)

# Logs: plain text by default, one JSON object a line in production (TOUSU_LOG_FORMAT=json);
# customer identifiers are masked in every record either way (ops/logs.py).
TOUSU_LOG_FORMAT = env_str("TOUSU_LOG_FORMAT", "json" if TOUSU_PRODUCTION else "plain")
if TOUSU_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"TOUSU_LOG_FORMAT must be plain or json, got {TOUSU_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "ops.logs.MaskPII"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pii"],
                             "formatter": TOUSU_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
