from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ortaq.audit.selectors import history_for
from ortaq.engines import frameworks as fw
from ortaq.errors import DomainError, Forbidden, error_text
from ortaq.inputs import query_text, refused
from ortaq.lib.views import apply_errors, export_response, form_data, paginate

from . import importing, selectors, services
from .forms import ContactForm, ImportForm, InstitutionForm, country_choices
from .models import InstitutionKind


def _get(request, pk: int):
    institution = selectors.institution_get(actor=request.user, pk=pk)
    if institution is None:
        raise Http404
    return institution


def _filters(request) -> dict:
    return {k: query_text(request.GET, k) for k in ("q", "kind", "country", "region")}


@login_required
def institution_list(request):
    filters = _filters(request)
    qs = selectors.institution_list(actor=request.user, **filters)
    context = {
        **paginate(request, qs), "filters": filters, "kinds": InstitutionKind.choices, "countries": country_choices(),
        "may_register": selectors.may_register_institutions(actor=request.user), "nav_section": "institutions",
    }
    template = "institutions/_results.html" if request.htmx_target == "results" else "institutions/list.html"
    return render(request, template, context)


@login_required
def institution_export(request, fmt: str):
    qs = selectors.institution_list(actor=request.user, **_filters(request))
    header, rows = importing.export_rows(qs)
    return export_response(fmt, "institutions", header, rows)


@login_required
def institution_detail(request, pk: int):
    from ortaq.agreements.selectors import partners_of
    from ortaq.programmes.selectors import programme_list

    institution = _get(request, pk)
    may_edit = selectors.may_edit_institution(actor=request.user, institution=institution)
    return render(request, "institutions/detail.html", {
        "institution": institution,
        "facility_labels": [fw.localized(t, request.LANGUAGE_CODE) for t in fw.accessibility_facilities() if t.code in institution.accessibility_facilities],
        "may_edit": may_edit,
        "may_see_contacts": selectors.may_see_contacts(actor=request.user, institution=institution),
        "contacts": selectors.contacts_of(actor=request.user, institution=institution),
        "partners": partners_of(actor=request.user, institution_id=institution.pk),
        "programmes": programme_list(actor=request.user, institution=institution.pk),
        "history": history_for(institution) if may_edit else None,
        "contact_form": ContactForm() if may_edit else None,
        "nav_section": "institutions",
    })


@login_required
def institution_create(request):
    if not selectors.may_register_institutions(actor=request.user):
        raise PermissionDenied
    form = InstitutionForm(data=request.POST or None)
    if request.method == "POST":
        try:
            stewards = selectors.institutions_managed_by(actor=request.user)
            registered_by = stewards.first() if stewards.count() == 1 else None
            institution = services.institution_create(actor=request.user, data=form_data(request) | {"accessibility_facilities": request.POST.getlist("accessibility_facilities")}, registered_by=registered_by)
        except DomainError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The institution has been registered."))
            return redirect("institutions:detail", institution.pk)
    status = 422 if request.method == "POST" else 200  # every successful POST has redirected above
    return render(request, "institutions/form.html", {"form": form, "nav_section": "institutions"}, status=status)


@login_required
def institution_edit(request, pk: int):
    institution = _get(request, pk)
    if not selectors.may_edit_institution(actor=request.user, institution=institution):
        raise PermissionDenied
    form = InstitutionForm(data=request.POST or None, instance=institution)
    if request.method == "POST":
        try:
            services.institution_update(actor=request.user, institution=institution, data=form_data(request) | {"accessibility_facilities": request.POST.getlist("accessibility_facilities")})
        except DomainError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("institutions:detail", institution.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "institutions/form.html", {"form": form, "institution": institution, "nav_section": "institutions"}, status=status)


@login_required
@require_POST
def contact_add(request, pk: int):
    institution = _get(request, pk)
    try:
        services.contact_add(actor=request.user, institution=institution, data=form_data(request))
    except Forbidden:
        raise PermissionDenied
    except DomainError as error:
        error.message = _("The contact was not added: %(errors)s") % {"errors": error_text(error)}
        error.errors = {"__all__": [error.message]}  # type: ignore[attr-defined]  # one sentence on the banner (refused() reads it)
        return refused(request, error, institution_detail, pk)
    messages.success(request, _("Contact added."))
    return redirect("institutions:detail", institution.pk)


@login_required
def institution_import(request):
    if not selectors.may_register_institutions(actor=request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stewards = selectors.institutions_managed_by(actor=request.user)
            report = importing.institutions_import(
                actor=request.user, filename=upload.name, content=upload.read(),
                registered_by=stewards.first() if stewards.count() == 1 else None,
            )
        except DomainError as error:
            form.add_error("file", str(error.message))
        else:
            if report.ok:
                messages.success(request, _("%(count)d institutions imported.") % {"count": report.created})
                return redirect("institutions:list")
    status = 422 if request.method == "POST" else 200  # a refused file, or rows with errors (nothing imported)
    return render(request, "institutions/import.html", {"form": form, "report": report, "columns": importing.COLUMNS, "nav_section": "institutions"}, status=status)
