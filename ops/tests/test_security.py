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


def test_check_deploy_passes_with_the_production_variables(tmp_path: Path) -> None:
    done = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                   SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_production_profile_refuses_the_embedded_secret_and_debug(tmp_path: Path) -> None:
    no_secret = _manage(tmp_path, "check", **PRODUCTION)
    assert no_secret.returncode != 0 and "SECRET_KEY" in no_secret.stderr
    debug = _manage(tmp_path, "check", **{**PRODUCTION, "DEBUG": "true"},
                    SECRET_KEY=secrets.token_urlsafe(50))
    assert debug.returncode != 0 and "DEBUG must be off" in debug.stderr


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
