"""What a request gets when the server fails: a database that cannot be reached is a 503 with
Retry-After (the client may try again; nothing was half-written, every write is one
transaction), anything else a 500. API paths answer in the API's error shape, also for a path
that does not exist (404) and a method a path does not take (405)."""

import sys
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.views import defaults

from tousu.messages import detail

RETRY_AFTER_S = 30


def _unavailable() -> bool:
    exc = sys.exc_info()[1]
    return isinstance(exc, OperationalError | InterfaceError)


def error_body(message: str, errors: list[tuple[str, str]], code: str) -> dict[str, Any]:
    """The API's error shape: `{"detail": ..., "errors": [{"field", "message", "code"}]}`."""
    return {"detail": message,
            "errors": [{"field": f, "message": m, "code": code} for f, m in errors]}


def api_error(request: HttpRequest, status: int, code: str, english: str,
              field: str = "request") -> JsonResponse:
    """An error in the API's shape from outside django-ninja (404, 405, 500, 503), worded in
    the client's language."""
    with translation.override(translation.get_language_from_request(request)):
        message = detail(code, english)
    return JsonResponse(error_body(message, [(field, message)], code), status=status)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the API's error shape on API paths, Django's page elsewhere."""
    if is_api(request):
        return api_error(request, 404, "not_found", "No such API path", field="path")
    return defaults.page_not_found(request, exception)


class ApiErrorShapeMiddleware:
    """A method an API path does not take (django-ninja answers 405 in plain text) gets the
    API's error shape, keeping the Allow header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and is_api(request) and not response.get(
                "Content-Type", "").startswith("application/json"):
            shaped = api_error(request, 405, "method_not_allowed",
                               f"{request.method} is not allowed here", field="method")
            if "Allow" in response:
                shaped["Allow"] = response["Allow"]
            return shaped
        return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called by Django inside the `except` for an unhandled exception."""
    status, code, text = (
        (503, "unavailable", "The service is temporarily unavailable; try again shortly")
        if _unavailable() else (500, "server_error", "Internal server error")
    )
    if is_api(request):
        response: HttpResponse = api_error(request, status, code, text)
    else:
        response = HttpResponse(
            "<!doctype html><meta charset=utf-8><title>Tousu</title>"
            f"<h1>{status}</h1><p>服务暂时不可用，请稍后再试。</p>"
            "<p>The service is temporarily unavailable; please try again shortly.</p>"
            if status == 503 else
            f"<!doctype html><meta charset=utf-8><title>Tousu</title><h1>{status}</h1>"
            "<p>服务器内部错误。</p><p>Internal server error.</p>",
            status=status, content_type="text/html; charset=utf-8")
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response
