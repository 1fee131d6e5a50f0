"""Helpers shared by the thin views of every app: pagination, exports and domain-error rendering.

They lived in ortaq.web.helpers, which made every app depend on the web app (and web on them); here, in a
plain package with no models, any app may use them (docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ortaq.errors import DomainError, ValidationFailed
from ortaq.inputs import refused
from ortaq.lib import exports

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE, param: str = "page") -> dict:
    """A page plus the query string to keep filters across page links (`param` names the page parameter, so
    that two lists on one page page independently)."""
    page = Paginator(queryset, per_page).get_page(request.GET.get(param))
    params = request.GET.copy()
    params.pop(param, None)
    qs = params.urlencode()
    return {"page": page, "querystring_without_page": f"{qs}&" if qs else "", "page_param": param}


def form_data(request) -> dict:
    """POST data as a plain dict; multi-valued fields stay lists (checkbox groups)."""
    data = {}
    for key in request.POST:
        if key == "csrfmiddlewaretoken":
            continue
        values = request.POST.getlist(key)
        data[key] = values if len(values) > 1 or key.endswith("[]") else values[0]
    return data


def apply_errors(form, error: DomainError) -> None:
    """Show a service's error on the form the user filled in, field by field where we know the field."""
    if isinstance(error, ValidationFailed):
        for field, messages in error.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(exports.csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, header: list[str], rows, sheet: str | None = None) -> HttpResponse:
    response = HttpResponse(
        exports.xlsx_bytes(header, rows, sheet=sheet or filename),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


EXPORT_FORMATS = ("csv", "xlsx")


def export_response(fmt: str, filename: str, header: list[str], rows) -> HttpResponse:
    """A table as a CSV or XLSX download; text that a spreadsheet would run as a formula is neutralised
    (see ortaq.lib.exports). Any other format is a 404, not a CSV under a wrong name."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)


def row_action(*, get: Callable, page: Callable, route: str) -> Callable:
    """A decorator for the POST actions on one row of a detail page (an agreement, a dossier, a cohort): `get(request,
    pk)` finds the row the actor may see (404 otherwise), the action returns the message of its success and the
    browser goes back to `route`; a DomainError is shown on `page`, the row's GET view, with its 4xx status."""
    return functools.partial(_row_action_view, get=get, page=page, route=route)


def _row_action_view(action: Callable, *, get: Callable, page: Callable, route: str) -> Callable:
    @login_required
    @require_POST
    def view(request, pk: int):
        row = get(request, pk)
        try:
            done = action(request, row)
        except DomainError as error:
            return refused(request, error, page, pk)
        flash.success(request, done)
        return redirect(route, row.pk)

    # Named as the action, without `__wrapped__`: what the view does (POST only) stays visible to inspection.
    view.__name__, view.__qualname__, view.__doc__ = action.__name__, action.__qualname__, action.__doc__
    return view
