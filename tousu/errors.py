"""What a request gets when the server fails: a database that cannot be reached is a 503 with
Retry-After (the client may try again; nothing was half-written, every write is one
transaction), anything else a 500. API paths answer in the API's error shape."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation

from tousu.messages import detail

RETRY_AFTER_S = 30


def _unavailable() -> bool:
    exc = sys.exc_info()[1]
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called by Django inside the `except` for an unhandled exception."""
    status, code, text = (
        (503, "unavailable", "The service is temporarily unavailable; try again shortly")
        if _unavailable() else (500, "server_error", "Internal server error")
    )
    if request.path.startswith("/api/"):
        with translation.override(translation.get_language_from_request(request)):
            message = detail(code, text)
        response: HttpResponse = JsonResponse(
            {"detail": message, "errors": [{"field": "request", "message": message,
                                            "code": code}]}, status=status)
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
