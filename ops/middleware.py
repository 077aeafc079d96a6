"""Serves /healthz and /metrics ahead of every other middleware: a load balancer's probe or a
Prometheus scrape is answered whatever Host header it sends (ALLOWED_HOSTS guards the pages that
build URLs from it), over plain HTTP behind a TLS proxy (no SSL redirect), with no session, no
locale and no CSRF work; every other request passes through untouched."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ops import health, metrics

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


class OpsEndpointsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path == HEALTH_PATH or path == HEALTH_PATH + "/":
            return health.healthz(web_only=request.GET.get("scope") == "web")
        if path == METRICS_PATH or path == METRICS_PATH + "/":
            return metrics.metrics(request)
        return self.get_response(request)
