"""Settings for Tousu, driven only by environment variables.

The embedded default (no variable set) is SQLite in WAL mode, in-process background work and the
console for email and SMS: what `make run` serves.
"""

import os
from pathlib import Path

from tousu.envconf import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TOUSU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The embedded default generates no secret: it must be stable across restarts for sessions, so a
# development-only value is used unless SECRET_KEY is set (production must set it).
SECRET_KEY = env_str("SECRET_KEY", "tousu-embedded-default-not-for-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

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
# Lock by user name alone on purpose: an attacker rotating addresses must not get more guesses
# at one staff account (axes suggests adding the address, which would allow exactly that).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Tousu"

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
MEDIA_ROOT = VAR_DIR / "media"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
# The embedded default serves plain HTTP on loopback; production sets this to true.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tousu@localhost")

# Tousu's own settings.
TOUSU_RULE_PACK = env_str("TOUSU_RULE_PACK", "cn")
# Installation overrides of a pack's [M] numbers, JSON: {"us-cfpb": {"reg_z_resolution": {...}}}.
TOUSU_RULE_OVERRIDES = env_str("TOUSU_RULE_OVERRIDES", "")
# Deadline warnings this long before each due time (d, h or m), and how often the sweep runs.
TOUSU_DEADLINE_WARNINGS = env_list("TOUSU_DEADLINE_WARNINGS", ["3d", "1d"])
TOUSU_SWEEP_INTERVAL_S = env_int("TOUSU_SWEEP_INTERVAL_S", 60)
# "inprocess": background work runs on a thread in each server process (embedded default);
# "celery": it is queued for Celery workers (production profile).
TOUSU_TASKS = env_str("TOUSU_TASKS", "inprocess")
TOUSU_SMS_GATEWAY = env_str("TOUSU_SMS_GATEWAY", "console")
# Keys for customer identifiers encrypted at rest, newest first (rotation keeps the old ones).
TOUSU_FIELD_KEYS = env_list("TOUSU_FIELD_KEYS", [])
# Real complaint data (never copied into the repo): demo texts, triage training, benchmarks.
TOUSU_DATA_DIR = Path(env_str("TOUSU_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))
TOUSU_MAX_TEXT = env_int("TOUSU_MAX_TEXT", 20_000)
TOUSU_MAX_ATTACHMENT_BYTES = env_int("TOUSU_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
TOUSU_PAGE_SIZE_MAX = 200

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
# Inbound SMS webhook: HMAC-SHA256 shared with the gateway (empty: the webhook is off), and the
# accepted clock difference; a nonce is accepted once within it.
TOUSU_SMS_WEBHOOK_SECRET = env_str("TOUSU_SMS_WEBHOOK_SECRET", "")
TOUSU_SMS_WEBHOOK_WINDOW_S = env_int("TOUSU_SMS_WEBHOOK_WINDOW_S", 300)
# Outbound SMS through an HTTP gateway (TOUSU_SMS_GATEWAY=http): its URL and signing secret.
TOUSU_SMS_GATEWAY_URL = env_str("TOUSU_SMS_GATEWAY_URL", "")
TOUSU_SMS_GATEWAY_SECRET = env_str("TOUSU_SMS_GATEWAY_SECRET", "")
# Evidence is scanned by clamd when this is set: "tcp://host:3310" or "unix:///run/clamd.ctl".
TOUSU_CLAMD = env_str("TOUSU_CLAMD", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
