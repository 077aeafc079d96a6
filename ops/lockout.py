"""What a locked-out sign-in gets (django-axes' AXES_LOCKOUT_CALLABLE): a bilingual page saying
how long the lock lasts, instead of axes' one line of English."""

from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout(request: HttpRequest, original_response: Any = None,
            credentials: Any = None) -> HttpResponse:
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(request, "lockout.html", {"failure_limit": settings.AXES_FAILURE_LIMIT,
                                            "cooloff_minutes": minutes}, status=429)
