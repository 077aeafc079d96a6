"""The signed-in user's in-app notices."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from notify.inbox import mark_read, notices_for, unread_count

NOTICES_PER_PAGE = 30


def _me(request: HttpRequest) -> int:
    return int(request.user.pk or 0)  # login_required: always a user


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    page = Paginator(notices_for(_me(request)), NOTICES_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "workspace/notices.html", {
        "page": page, "unread": unread_count(_me(request))})


@login_required
@require_POST
def read_notices(request: HttpRequest) -> HttpResponse:
    """Mark one notice read (`notice` in the form), or all of them."""
    pk = request.POST.get("notice", "")
    mark_read(_me(request), int(pk) if pk.isdigit() else None)
    page = request.POST.get("page", "")
    suffix = f"?page={page}" if page.isdigit() else ""
    return redirect(f"{reverse('workspace:notices')}{suffix}")
