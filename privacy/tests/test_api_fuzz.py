"""Schemathesis over the OpenAPI schema of API v1, in-process through WSGI: with an integration
key holding every scope, and through a staff session (with its CSRF token) for the staff actions
and reports, no generated request gets a 5xx, a status or body the schema does not describe, or
an error that is not the JSON error shape. Bounded: a dozen examples per operation and phase,
hypothesis deadline off, so each operation's test takes seconds."""

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reports.selectors import REPORTS
from tousu.api import api

pytestmark = pytest.mark.django_db

# The schema as the app serves it (no DB access at collection), called in-process through WSGI.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = WSGIHandler()
# Staff act through the actions; a consumer-protection officer on the head office may take most.
staff_schema = schema.include(path_regex="/actions/|/reports")
REPORT_NAMES = sorted(REPORTS)
FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@schemathesis.check
def errors_are_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every refusal has the documented JSON shape, whatever was wrong with the request (the
    built-in conformance checks let a malformed request's answer off), a method no route has
    (405) included."""
    if response.status_code >= 400:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), (
            f"{response.status_code} answered as {content_type!r}")
        body = response.json()
        assert isinstance(body, dict) and {"detail", "errors"} <= body.keys(), body
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, errors_are_json]


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Django closes the DB connection at the end of a WSGI request; the test client keeps it
    open (the test's transaction lives on it), and so must this in-process transport."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_session(cast: Any) -> dict[str, str]:
    client = cast.client("cpo")
    csrf = "k" * 32  # any token works while the cookie and the header agree
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}


@pytest.fixture
def token(cast: Any, register: Any) -> dict[str, str]:
    """A key with every scope on the whole bank, and one real complaint the fuzzer may hit
    (as it may hit real report names)."""
    from org.keys import SCOPES, issue_key

    _, secret = issue_key("fuzz", sorted(SCOPES), cast.ho)
    return {"secret": secret, "number": register().number}


def _aim(case: Any, token: dict[str, str]) -> None:
    """About half of the generated complaint numbers and report names are swapped for ones that
    exist, so the handlers behind the 404 are fuzzed too."""
    number = (case.path_parameters or {}).get("number")
    if isinstance(number, str) and len(number) % 2 == 0:
        case.path_parameters["number"] = token["number"]
        if isinstance(case.body, dict) and isinstance(case.body.get("version"), int):
            # …and with the version it has now, so the action's own checks run.
            from complaints.models import Complaint

            case.body["version"] = Complaint.objects.get(number=token["number"]).version
    name = (case.path_parameters or {}).get("name")
    if isinstance(name, str) and len(name) % 2 == 0:
        case.path_parameters["name"] = REPORT_NAMES[len(name) % len(REPORT_NAMES)]


@schema.parametrize()
@FUZZ
def test_the_api_answers_every_generated_request_within_its_schema(
    case: Any, token: dict[str, str]
) -> None:
    _aim(case, token)
    case.call_and_validate(headers={"Authorization": f"Bearer {token['secret']}"}, checks=CHECKS)


@staff_schema.parametrize()
@FUZZ
def test_staff_actions_and_reports_answer_within_the_schema(
    case: Any, token: dict[str, str], staff_session: dict[str, str]
) -> None:
    """The same through a staff member's session (with its CSRF token): the staff actions."""
    _aim(case, token)
    case.call_and_validate(headers={"X-CSRFToken": staff_session["csrftoken"]},
                           cookies=staff_session, checks=CHECKS)
