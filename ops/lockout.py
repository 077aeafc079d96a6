"""What a locked-out sign-in gets (django-axes' AXES_LOCKOUT_CALLABLE): a bilingual page saying
how long the lock lasts, instead of axes' one line of English; and the address axes records
for a sign-in (AXES_CLIENT_IP_CALLABLE)."""

import ipaddress
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.ratelimit import client_ip


def lockout(request: HttpRequest, original_response: Any = None,
            credentials: Any = None) -> HttpResponse:
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(request, "lockout.html", {"failure_limit": settings.AXES_FAILURE_LIMIT,
                                            "cooloff_minutes": minutes}, status=429)


def sign_in_address(request: HttpRequest) -> str:
    """The address the trusted proxy forwarded, as the portal's limits and the access log take
    it (not the proxy's own); the connection's where that hop is no address (axes stores an
    IP field)."""
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return str(request.META.get("REMOTE_ADDR", ""))
    return address
