"""Secure defaults: `check --deploy` passes with the production profile's variables, the
profile refuses the embedded secret, and every page carries a Content-Security-Policy whose
nonce is the one on the page's inline blocks."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


# Variables of the caller's environment that would change what the profile decides.
_PROFILE = {"DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "TOUSU_TASKS", "REDIS_URL"}


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is no production setting.
    variables = {k: v for k, v in os.environ.items()
                 if k not in _PROFILE and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    variables.update(TOUSU_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, "manage.py", *args], env=variables,
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


PRODUCTION = {"TOUSU_PRODUCTION": "true", "ALLOWED_HOSTS": "tousu.bank.example",
              "DEBUG": "false", "TOUSU_BEHIND_TLS_PROXY": "true"}
GATEWAYS = {"TOUSU_SMS_GATEWAY": "http", "TOUSU_SMS_GATEWAY_URL": "https://sms.bank.example/send",
            "TOUSU_SMS_GATEWAY_SECRET": "s3cret", "EMAIL_HOST": "smtp.bank.example",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}


def test_check_deploy_passes_with_the_production_variables(tmp_path: Path) -> None:
    done = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                   SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION, **GATEWAYS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_deploy_warns_that_console_notices_never_reach_customers(tmp_path: Path) -> None:
    """The console gateways only log a notice (a portal one-time code included) and record it
    as sent: in production that is a notice the customer never got."""
    done = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                   SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION)
    assert done.returncode != 0
    assert "ops.W001" in done.stderr and "ops.W002" in done.stderr


def test_check_deploy_refuses_gateway_settings_with_which_every_notice_fails(
        tmp_path: Path) -> None:
    """These used to pass `check --deploy`; every SMS or email then failed in the worker."""
    done = _manage(tmp_path, "check", "--deploy", SECRET_KEY=secrets.token_urlsafe(50),
                   **PRODUCTION, **{**GATEWAYS, "TOUSU_SMS_GATEWAY_URL": "",
                                    "TOUSU_SMS_GATEWAY_SECRET": "", "EMAIL_USE_TLS": "true",
                                    "EMAIL_USE_SSL": "true"})
    assert done.returncode != 0
    assert all(f"ops.E00{n}" in done.stderr for n in (1, 2, 3)), done.stderr


def test_the_production_profile_refuses_the_embedded_secret_and_debug(tmp_path: Path) -> None:
    no_secret = _manage(tmp_path, "check", **PRODUCTION)
    assert no_secret.returncode != 0 and "SECRET_KEY" in no_secret.stderr
    # The operator reads one line that names the variable, not a traceback.
    assert no_secret.stderr.startswith("Configuration error: TOUSU_PRODUCTION: set SECRET_KEY")
    assert "Traceback" not in no_secret.stderr
    debug = _manage(tmp_path, "check", **{**PRODUCTION, "DEBUG": "true"},
                    SECRET_KEY=secrets.token_urlsafe(50))
    assert debug.returncode != 0 and "DEBUG must be off" in debug.stderr


def test_a_misspelt_tasks_mode_or_sms_gateway_is_refused_at_start(tmp_path: Path) -> None:
    """`TOUSU_TASKS=Celery` used to run no background work at all (no deliveries, no deadline
    sweep) while /healthz said ok; a bad gateway failed every SMS only when sent."""
    tasks = _manage(tmp_path, "check", TOUSU_TASKS="Celery", REDIS_URL="redis://127.0.0.1:1/0")
    assert tasks.returncode != 0 and "TOUSU_TASKS must be inprocess or celery" in tasks.stderr
    sms = _manage(tmp_path, "check", TOUSU_SMS_GATEWAY="twilio")
    assert sms.returncode != 0 and "TOUSU_SMS_GATEWAY must be console or http" in sms.stderr
    # Without a scheme Celery used to try amqp://guest@… on port 5672, retrying for ever.
    redis = _manage(tmp_path, "check", TOUSU_TASKS="celery", REDIS_URL="127.0.0.1:6379")
    assert redis.returncode != 0 and "REDIS_URL must be redis://" in redis.stderr


@pytest.mark.django_db
def test_pages_carry_a_csp_with_the_nonce_of_their_inline_blocks(cast: Any) -> None:
    response = cast.client("alice").get("/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce, policy
    assert f'nonce="{nonce.group(1)}"' in response.content.decode()
    assert "'unsafe-inline'" not in policy.split("style-src-attr")[0]  # scripts: never inline
    other = cast.client("alice").get("/")["Content-Security-Policy"]
    assert other != policy  # a fresh nonce per response


@pytest.mark.django_db
def test_api_responses_carry_the_policy_without_a_nonce(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";" and "nonce" not in policy
