"""API v1: authentication, the error shape, and the routers of the domain apps."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from complaints.errors import ActionError
from org.access import Principal, principal_for_token, staff_principal
from tousu import messages
from tousu.errors import error_body


class BearerKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        return principal_for_token(token)


class StaffSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        return staff_principal(request.user)


api = NinjaAPI(
    title="Tousu API",
    version="1",
    description="Bank consumer-complaint handling. Errors: "
    '`{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`.',
    urls_namespace="api-v1",
    docs_url="/docs",
    auth=[BearerKey(), StaffSession()],
)


def error(request: HttpRequest, status: int, detail: str,
          errors: list[tuple[str, str]] | None = None, code: str = "") -> HttpResponse:
    body = error_body(messages.detail(code, detail), errors or [], code)
    return api.create_response(request, body, status=status)


def _field(loc: list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
        if parts and parts[0] in {"payload", "filters"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [(_field(e.get("loc", [])), messages.validation_message(e)) for e in exc.errors]
    return error(request, 422, "The request has invalid fields", errors, "invalid")


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return error(request, exc.status, exc.detail, exc.errors, exc.code)


def on_media_type(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 415, "Send JSON",
                 [("Content-Type", "须为 application/json / must be application/json")],
                 "unsupported_media_type")


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Reading a form body that is not one (multipart without a boundary) for the session's CSRF
    # check raised past ninja: Django answered with its HTML 400 page, not the error shape.
    return error(request, 400, "The request body could not be read",
                 [("body", "multipart 请求体格式错误 / malformed multipart body")], "invalid_body")


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Input the database refuses to store or compare (PostgreSQL: a NUL character in a path or
    # query parameter) is the client's error, not a 500; the statement's transaction rolled back.
    return error(request, 400, "The request has a value the database cannot take",
                 [("request", "含有无效字符 / invalid characters")], "invalid_value")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 413, "The request is too large", [("body", "请求体过大 / too large")],
                 "too_large")


@api.exception_handler(AuthenticationError)
def on_auth(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 401, "Authentication required",
                 [("Authorization",
                   "请使用有效的 API 密钥或登录 / send a valid bearer API key or sign in")],
                 "unauthenticated")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and request.body:  # the body could not be parsed
        if request.content_type != "application/json":
            return on_media_type(request, exc)
        return error(request, 400, "The request body is not valid JSON",
                     [("body", "不是有效的 JSON / invalid JSON")], "invalid_json")
    if exc.status_code == 403 and "CSRF" in str(exc):  # a signed-in session without the token
        return error(request, 403, "CSRF check failed", [(
            "X-CSRFToken", "CSRF 校验失败：请在 X-CSRFToken 头中发送 csrftoken / send the "
            "csrftoken cookie's value in the X-CSRFToken header")], "csrf_failed")
    return error(request, exc.status_code, str(exc), [("request", f"请求无法处理 / {exc}")],
                 "http_error")


from complaints.api import router as complaints_router  # noqa: E402

api.add_router("/", complaints_router)
from reports.api import router as reports_router  # noqa: E402

api.add_router("/", reports_router)

from intake.api import router as intake_router  # noqa: E402

api.add_router("/", intake_router)

from triage.api import router as triage_router  # noqa: E402

api.add_router("/", triage_router)
