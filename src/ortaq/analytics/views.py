"""Analytics pages: thin views over selectors (reads) and services (refresh requests)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ortaq.agreements.types import MobilityType
from ortaq.errors import DomainError
from ortaq.inputs import refused
from ortaq.lib.views import export_response

from . import selectors, services
from .models import Stage

FORMATS = ("csv", "xlsx")


def dashboard(request):
    data = selectors.dashboard(actor=request.user, filters=selectors.Filters.from_query(request.GET))
    followed = request.GET.get("refresh", "")
    refresh = selectors.refresh_status(actor=request.user, refresh_id=int(followed)) if followed.isascii() and followed.isdigit() and len(followed) < 10 else None
    return render(request, "analytics/dashboard.html", {
        "data": data, "refresh": refresh, "may_refresh": selectors.may_refresh(actor=request.user), "filters": data.filters, "query": data.filters.query(), "mobility_types": MobilityType.choices,
        "own_query": data.filters.query(view="own"), "partners_query": data.filters.query(view="partners"),
        "stages": Stage.choices, "nav_section": "analytics", "threshold": selectors.disclosure.THRESHOLD,
    })


def export(request, key: str, fmt: str):
    """One table of the reader's own dashboard, with the same filters and the same disclosure control."""
    table = selectors.table_for(actor=request.user, filters=selectors.Filters.from_query(request.GET), key=key)
    if table is None or fmt not in FORMATS:
        raise Http404
    return export_response(fmt, f"ortaq-{key}", table.header, table.export_rows())


def open_data(request, key: str, fmt: str):
    """An open dataset for anyone (the figures an anonymous visitor sees)."""
    table = selectors.open_dataset(key=key, filters=selectors.Filters.from_query(request.GET))
    if table is None or fmt not in FORMATS:
        raise Http404
    return export_response(fmt, f"ortaq-open-{key}", table.open_header, table.open_rows())


@login_required
@require_POST
def refresh(request):
    try:
        refresh = services.aggregates_refresh_request(actor=request.user)
    except DomainError as error:
        return refused(request, error, dashboard)
    # The dashboard follows the rebuild (refresh_status, polled by htmx) and reloads itself when it is done.
    return redirect(f"{reverse('analytics:dashboard')}?refresh={refresh.pk}")


@login_required
def refresh_status(request, pk: int):
    """How far a rebuild is: polled by the dashboard until it is done (then htmx reloads the page) or failed."""
    refresh = selectors.refresh_status(actor=request.user, refresh_id=pk)
    if refresh is None:
        raise Http404
    response = render(request, "analytics/_refresh_status.html", {"refresh": refresh, "polling": True})
    if refresh.state == refresh.State.DONE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the page shows the new figures, with the rebuild's done line
    return response
