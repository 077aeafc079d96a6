"""The Content-Security-Policy header (django-csp 4, configured by CONTENT_SECURITY_POLICY in
settings), built once instead of per response where it can be: django-csp rebuilds the policy
string for every response (~0.2 ms, a good share of a fast API call). A response whose page
used a nonce, or whose view set its own policy with csp's decorators, takes django-csp's own
path unchanged."""

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_OVERRIDES = ("_csp_config", "_csp_update", "_csp_replace",
              "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
_built: dict[bool, tuple[str, tuple[str, ...]]] = {}


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _built.clear()


def _policy(report_only: bool) -> tuple[str, tuple[str, ...]]:
    """The header's value and the path prefixes it is not sent on."""
    if report_only not in _built:
        name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
        config = getattr(settings, name, None) or {}
        _built[report_only] = (build_policy(report_only=report_only),
                               tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ()))
    return _built[report_only]


class CSPMiddleware(BaseCSPMiddleware):
    def process_response(self, request: HttpRequest,
                         response: HttpResponseBase) -> HttpResponseBase:
        if (getattr(request, "_csp_nonce", None) is not None
                or any(getattr(response, name, None) is not None for name in _OVERRIDES)):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # django-csp leaves Django's debug pages alone
        for report_only, header, exempt in ((False, HEADER, "_csp_exempt"),
                                            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro")):
            policy, excluded = _policy(report_only)
            if not policy or header in response or getattr(response, exempt, False):
                continue
            if not request.path_info.startswith(excluded):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
