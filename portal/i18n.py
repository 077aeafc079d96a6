"""The portal speaks Chinese unless the customer chose English.

Staff pages follow the browser's Accept-Language (LocaleMiddleware); the portal's public is
the bank's customers in China, whose phones are often set to English, so a customer sees
Chinese first and English only after using the language switch (the language cookie)."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

View = Callable[..., HttpResponse]


def chosen_language(request: HttpRequest) -> str:
    """The language the customer chose with the switch, else the installation's default."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    try:
        chosen = translation.get_supported_language_variant(cookie) if cookie else ""
    except LookupError:
        chosen = ""
    return chosen or settings.LANGUAGE_CODE


def portal_language(view: View) -> View:
    """Render `view` in `chosen_language`, whatever the browser's Accept-Language says."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        language = chosen_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        response.headers.setdefault("Content-Language", language)
        return response

    return wrapped
