"""The minimal staff workspace: a scoped, paginated list and a complaint with its timeline."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from complaints import crypto
from complaints.choices import State
from complaints.errors import NotFound
from complaints.lifecycle import END
from complaints.selectors import access_complaint, allowed_actions, filter_complaints
from org.access import Principal, staff_principal
from triage.pii import mask_id, mask_name, mask_phone, mask_text


def _principal(request: HttpRequest) -> Principal:
    principal = staff_principal(request.user)
    if principal is None:
        raise Http404
    return principal


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    queryset = filter_complaints(principal, state=state).order_by("-received_at", "-id")
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    rows = [
        {"c": c, "customer": mask_name(c.customer.name), "summary": mask_text(c.content[:80])}
        for c in page.object_list
    ]
    return render(request, "workspace/complaint_list.html",
                  {"page": page, "rows": rows, "states": State.choices, "state": state})


@login_required
def complaint_detail(request: HttpRequest, number: str) -> HttpResponse:
    principal = _principal(request)
    try:
        complaint = access_complaint(principal, number)
    except NotFound:
        raise Http404 from None
    customer = complaint.customer
    return render(request, "workspace/complaint_detail.html", {
        "c": complaint,
        "customer": {"name": mask_name(customer.name), "phone": mask_phone(customer.phone),
                     "id_number": mask_id(crypto.decrypt(customer.id_number_enc))},
        "events": complaint.events.order_by("seq"),
        "deadlines": complaint.deadlines.all(),
        "allowed": allowed_actions(principal, complaint),
    })


@login_required
def major_board(request: HttpRequest) -> HttpResponse:
    """Every open major complaint in the user's scope, oldest first, until it is closed."""
    principal = _principal(request)
    queryset = (filter_complaints(principal, severity="major")
                .exclude(state__in=[*END, State.CLOSED]).order_by("received_at", "id"))
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    rows = [
        {"c": c, "customer": mask_name(c.customer.name), "summary": mask_text(c.content[:80])}
        for c in page.object_list
    ]
    return render(request, "workspace/major_board.html", {"page": page, "rows": rows})
