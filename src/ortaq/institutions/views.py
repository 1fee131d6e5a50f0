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
from ortaq.errors import DomainError, Forbidden, error_text, valid_or_raise
from ortaq.inputs import query_text, refused
from ortaq.lib.views import apply_errors, export_response, form_data, paginate

from . import importing, selectors, services
from .forms import ContactForm, ImportForm, InstitutionForm, country_choices, edit_data
from .models import Institution, InstitutionKind


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


def _detail_context(request, institution) -> dict:
    """Everything the institution's page shows this reader: the profile, contacts, partners and programmes."""
    from ortaq.agreements.selectors import partners_of
    from ortaq.programmes.selectors import programme_list

    may_edit = selectors.may_edit_institution(actor=request.user, institution=institution)
    return {
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
    }


@login_required
def institution_detail(request, pk: int):
    return render(request, "institutions/detail.html", _detail_context(request, _get(request, pk)))


def _posted(request, institution=None) -> InstitutionForm:
    """The institution form bound to a post (an edit: over the stored profile, so that a field left out stays)."""
    data = form_data(request) | {"accessibility_facilities": request.POST.getlist("accessibility_facilities")}
    return InstitutionForm(data=edit_data(institution, data) if institution else data, instance=institution)


def _saved(form: InstitutionForm, save) -> Institution | None:
    """Validate the form and save its details through a service: what it saved, or None with the errors shown
    on the form."""
    if not form.is_valid():
        return None
    try:
        return save(form.details())
    except DomainError as error:
        apply_errors(form, error)
        return None


@login_required
def institution_create(request):
    if not selectors.may_register_institutions(actor=request.user):
        raise PermissionDenied
    form = _posted(request) if request.method == "POST" else InstitutionForm()
    register = lambda details: services.institution_create(actor=request.user, details=details, registered_by=selectors.steward_of_new_institutions(actor=request.user))  # noqa: E731
    institution = _saved(form, register) if request.method == "POST" else None
    if institution is not None:
        messages.success(request, _("The institution has been registered."))
        return redirect("institutions:detail", institution.pk)
    status = 422 if request.method == "POST" else 200  # every successful POST has redirected above
    return render(request, "institutions/form.html", {"form": form, "nav_section": "institutions"}, status=status)


@login_required
def institution_edit(request, pk: int):
    institution = _get(request, pk)
    if not selectors.may_edit_institution(actor=request.user, institution=institution):
        raise PermissionDenied
    form = _posted(request, institution) if request.method == "POST" else InstitutionForm(instance=institution)
    update = lambda details: services.institution_update(actor=request.user, institution=institution, details=details)  # noqa: E731
    if request.method == "POST" and _saved(form, update) is not None:
        messages.success(request, _("Changes saved."))
        return redirect("institutions:detail", institution.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "institutions/form.html", {"form": form, "institution": institution, "nav_section": "institutions"}, status=status)


@login_required
@require_POST
def contact_add(request, pk: int):
    institution = _get(request, pk)
    if not selectors.may_edit_institution(actor=request.user, institution=institution):
        raise PermissionDenied  # before the input is read
    try:
        contact = valid_or_raise(ContactForm(data=form_data(request))).details()
        services.contact_add(actor=request.user, institution=institution, contact=contact)
    except Forbidden:
        raise PermissionDenied
    except DomainError as error:
        error.message = _("The contact was not added: %(errors)s") % {"errors": error_text(error)}
        error.errors = {"__all__": [error.message]}  # type: ignore[attr-defined]  # one sentence on the banner (refused() reads it)
        return refused(request, error, institution_detail, pk)
    messages.success(request, _("Contact added."))
    return redirect("institutions:detail", institution.pk)


def _import(request, form: ImportForm) -> importing.ImportReport | None:
    """The report on the uploaded file (nothing imported unless every row is valid), or None with the refusal
    of the file itself shown on the form."""
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    try:
        return importing.institutions_import(
            actor=request.user, filename=upload.name, content=upload.read(), registered_by=selectors.steward_of_new_institutions(actor=request.user),
        )
    except DomainError as error:
        form.add_error("file", str(error.message))
        return None


@login_required
def institution_import(request):
    if not selectors.may_register_institutions(actor=request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = _import(request, form) if request.method == "POST" else None
    if report is not None and report.ok:
        messages.success(request, _("%(count)d institutions imported.") % {"count": report.created})
        return redirect("institutions:list")
    status = 422 if request.method == "POST" else 200  # a refused file, or rows with errors (nothing imported)
    return render(request, "institutions/import.html", {"form": form, "report": report, "columns": importing.column_guide(), "nav_section": "institutions"}, status=status)
