"""/metrics for Prometheus: the process's own metrics (django-prometheus's request metrics when
its middleware is on, Python and process figures) and Tousu's gauges, computed at scrape time
by indexed counts, so every server answers the same figures whichever one is scraped.

Access: with `Authorization: Bearer <TOUSU_METRICS_TOKEN>` when that setting is set, or from
loopback when the request came through no proxy (TOUSU_METRICS_ALLOW_LOOPBACK, on by default);
anyone else gets 404, so the endpoint is not advertised."""

import datetime as dt
import hmac
import logging
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
LOOPBACK = frozenset({"127.0.0.1", "::1"})
# A proxy on the same machine makes every peer loopback: a request it forwarded (it says so in
# one of these headers) is treated as remote.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


class TousuCollector(Collector):
    """Gauges read from the database when scraped. Each is a range or equality count on an
    index: Deadline (status, due_at), Notification (status, next_attempt_at)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from clocks.choices import DeadlineKind, DeadlineStatus
        from clocks.models import Deadline
        from notify.models import Notification, Status

        now = timezone.now()
        duties = Deadline.objects.filter(kind=DeadlineKind.DUTY)
        open_duties = duties.filter(status=DeadlineStatus.OPEN)
        due_24h = open_duties.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=24))
        unswept = open_duties.filter(due_at__lt=now).count()
        breached = duties.filter(status=DeadlineStatus.BREACHED, met_at__isnull=True).count()
        yield _gauge("tousu_deadlines_due_24h",
                     "Open deadlines (duties) due within the next 24 hours.", due_24h.count())
        yield _gauge("tousu_deadlines_breached",
                     "Duties past due and not fulfilled: marked breached, or open past due "
                     "and not yet swept.", breached + unswept)
        yield _gauge("tousu_deadlines_overdue_unswept",
                     "Open duties past due that the sweeper has not marked yet (sweeper lag).",
                     unswept)
        pending = Notification.objects.filter(status=Status.PENDING)
        yield _gauge("tousu_outbox_pending", "Notifications waiting to be delivered.",
                     pending.count())
        oldest = pending.filter(next_attempt_at__lte=now).aggregate(at=Min("next_attempt_at"))
        overdue_s = (now - oldest["at"]).total_seconds() if oldest["at"] else 0.0
        yield _gauge("tousu_outbox_oldest_due_seconds",
                     "How long the oldest due notification has waited for delivery.", overdue_s)
        yield _gauge("tousu_outbox_failed",
                     "Notifications that gave up after their last attempt.",
                     Notification.objects.filter(status=Status.FAILED).count())


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def allowed(request: HttpRequest) -> bool:
    token = str(settings.TOUSU_METRICS_TOKEN)
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    return (bool(settings.TOUSU_METRICS_ALLOW_LOOPBACK)
            and request.META.get("REMOTE_ADDR") in LOOPBACK
            and not any(h in request.META for h in PROXY_HEADERS))


def registry() -> Any:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # gunicorn workers share their metric files
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return merged
    return REGISTRY


def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse(status=404)
    output = generate_latest(registry())
    try:
        own = CollectorRegistry(auto_describe=False)
        own.register(TousuCollector())
        output += generate_latest(own)
    except Exception:
        logger.exception("the Tousu gauges could not be read")
    response = HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
