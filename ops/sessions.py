"""The staff session's idle timeout, renewed by use; and no page of a session kept in a cache."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

RENEW_EVERY_S = 60
TOUCHED = "_touched"


class RenewSessionMiddleware:
    """Renews a signed-in session's expiry (SESSION_COOKIE_AGE from now) at most once a minute:
    Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every page (three more
    statements each). A request without a session (the API's keys) costs nothing here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.session_key:
            now = int(time.time())
            if now - int(session.get(TOUCHED, 0)) >= RENEW_EVERY_S:
                session[TOUCHED] = now  # modified: SessionMiddleware saves it, renewing expiry
        response = self.get_response(request)
        if session.session_key and "Cache-Control" not in response:
            # A signed-in page (a complaint, a customer's card) must not stay in the browser's
            # or a proxy's cache for the next user of a shared computer to page back to.
            response["Cache-Control"] = "no-store, private"
        return response
