from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ortaq.audit.selectors import history_for
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.inputs import ID_MAX, HardenedForm, query_text, refused, whole_number
from ortaq.institutions.selectors import institution_choices, institution_rows, institutions_managed_by
from ortaq.lib.views import apply_errors, export_response, form_data, paginate

from . import selectors, services
from .forms import AgreementForm, ConditionForm, edit_data
from .models import AgreementKind, AgreementState, MobilityType


class PartiesForm(HardenedForm, forms.Form):
    initiator = forms.ModelChoiceField(label=gettext_lazy("initiating institution"), queryset=institution_rows().none())
    partners = forms.ModelMultipleChoiceField(
        label=gettext_lazy("partner institutions"), queryset=institution_rows().none(),
        help_text=gettext_lazy("Hold Ctrl (⌘ on a Mac) to choose several."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiator"].queryset = institutions_managed_by(actor=actor)
        self.fields["partners"].queryset = institution_choices().order_by("name_latin")


def _get(request, pk: int):
    agreement = selectors.agreement_get(actor=request.user, pk=pk)
    if agreement is None:
        raise Http404
    return agreement


def _filters(request) -> dict:
    f: dict[str, str | int | None] = {k: query_text(request.GET, k) for k in ("q", "state", "kind", "mobility_type")}
    value = request.GET.get("institution", "")
    # isascii: "²" is a digit to str.isdigit but not to int(); 18 digits: SQLite cannot compare beyond 2**63.
    f["institution"] = int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None
    return f


@login_required
def agreement_list(request):
    filters = _filters(request)
    qs = selectors.agreement_list(actor=request.user, **filters)
    context = {
        **paginate(request, qs), "filters": filters, "states": AgreementState.choices, "kinds": AgreementKind.choices,
        "mobility_types": MobilityType.choices, "may_create": selectors.may_draft_agreements(actor=request.user),
        "nav_section": "agreements",
    }
    template = "agreements/_results.html" if request.htmx_target == "results" else "agreements/list.html"
    return render(request, template, context)


@login_required
def agreement_export(request, fmt: str):
    qs = selectors.agreement_list(actor=request.user, **_filters(request))
    header = ["id", "title", "reference", "kind", "state", "start_year", "end_year", "version", "parties"]
    rows = (
        [a.pk, a.title, a.reference, a.kind, a.state, a.start_year, a.end_year, a.version,
         "; ".join(link.institution.name_latin for link in a.party_links.all())]
        for a in qs
    )
    return export_response(fmt, "agreements", header, rows)


def _create_draft(request, form: AgreementForm, parties_form: PartiesForm):
    """The new draft, or None with every error shown on the two forms."""
    if not (parties_form.is_valid() & form.is_valid()):  # both validated, so that every error shows at once
        return None
    initiator = parties_form.cleaned_data["initiator"]
    try:
        return services.agreement_create(
            actor=request.user, terms=form.terms(), initiator=initiator, parties=[initiator, *parties_form.cleaned_data["partners"]]
        )
    except DomainError as error:
        apply_errors(form, error)
        if isinstance(error, ValidationFailed) and "parties" in error.errors:
            parties_form.add_error("partners", error.errors["parties"])
        return None


@login_required
def agreement_create(request):
    if not selectors.may_draft_agreements(actor=request.user):
        raise PermissionDenied
    form, parties_form = AgreementForm(data=request.POST or None), PartiesForm(data=request.POST or None, actor=request.user)
    agreement = _create_draft(request, form, parties_form) if request.method == "POST" else None
    if agreement is not None:
        messages.success(request, _("Draft saved. Add cooperation conditions, then propose it to the partners."))
        return redirect("agreements:detail", agreement.pk)
    status = 422 if request.method == "POST" else 200  # every successful POST has redirected above
    return render(request, "agreements/form.html", {"form": form, "parties_form": parties_form, "nav_section": "agreements"}, status=status)


@login_required
def agreement_detail(request, pk: int):
    agreement = _get(request, pk)
    page = selectors.agreement_page(actor=request.user, agreement=agreement)
    condition_form = ConditionForm(agreement=agreement, party_queryset=agreement.parties.all()) if page["may_edit"] else None
    return render(request, "agreements/detail.html", {
        **page, "history": history_for(agreement), "condition_form": condition_form, "nav_section": "agreements",
    })


@login_required
def agreement_edit(request, pk: int):
    agreement = _get(request, pk)
    if not selectors.may_edit_agreement(actor=request.user, agreement=agreement):
        raise PermissionDenied
    form = AgreementForm(data=edit_data(agreement, form_data(request)) if request.method == "POST" else None, instance=agreement)
    update = lambda terms: services.agreement_update(actor=request.user, agreement=agreement, terms=terms, expected_version=_expected(request))  # noqa: E731
    if request.method == "POST" and _saved(form, update):
        messages.success(request, _("Changes saved as a new version. Earlier approvals no longer apply."))
        return redirect("agreements:detail", agreement.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "agreements/edit.html", {"form": form, "agreement": agreement, "nav_section": "agreements"}, status=status)


def _saved(form, save) -> bool:
    """Validate the form and save its terms through a service; False with the errors shown on the form."""
    if not form.is_valid():
        return False
    try:
        save(form.terms())
    except DomainError as error:
        apply_errors(form, error)
        return False
    return True


def _act(request, pk: int, action, success: str):
    agreement = _get(request, pk)
    try:
        action(agreement)
    except DomainError as error:
        return refused(request, error, agreement_detail, pk)
    messages.success(request, success)
    return redirect("agreements:detail", agreement.pk)


def _expected(request) -> int | None:
    """The version the form was showing (stale edits are refused); absent: no check. Raises ValidationFailed."""
    value = request.POST.get("version", "")
    return whole_number(value, name="version", minimum=1, maximum=ID_MAX) if value != "" else None


@login_required
@require_POST
def condition_add(request, pk: int):
    agreement = _get(request, pk)
    if not selectors.is_locked(agreement) and not selectors.may_edit_agreement(actor=request.user, agreement=agreement):
        raise PermissionDenied  # a reader who may not edit is refused, not shown a form error
    form = ConditionForm(data=request.POST, agreement=agreement, party_queryset=agreement.parties.all())
    add = lambda terms: services.condition_add(actor=request.user, agreement=agreement, terms=terms, expected_version=_expected(request))  # noqa: E731
    try:
        saved = _saved(form, add)
    except Forbidden:  # the agreement changed hands since it was read
        raise PermissionDenied
    if not saved:
        return render(request, "agreements/condition_form.html", {"agreement": agreement, "condition_form": form, "nav_section": "agreements"}, status=422)
    messages.success(request, _("Condition added."))
    return redirect("agreements:detail", agreement.pk)


@login_required
@require_POST
def condition_remove(request, pk: int, condition_id: int):
    agreement = _get(request, pk)
    condition = agreement.conditions.filter(pk=condition_id).first()
    if condition is None:
        raise Http404
    return _act(request, pk, lambda a: services.condition_remove(actor=request.user, condition=condition, expected_version=_expected(request)), _("Condition removed."))


@login_required
@require_POST
def agreement_propose(request, pk: int):
    return _act(request, pk, lambda a: services.agreement_propose(actor=request.user, agreement=a), _("Proposed to the partners for approval."))


@login_required
@require_POST
def agreement_approve(request, pk: int):
    def approve(agreement):
        institution_id = whole_number(request.POST.get("institution"), name="institution", minimum=1, maximum=ID_MAX)
        institution = institution_rows(ids=[institution_id]).first()
        if institution is None:
            raise Http404
        services.agreement_approve(actor=request.user, agreement=agreement, institution=institution, expected_version=_expected(request))

    return _act(request, pk, approve, _("Approval recorded."))


@login_required
@require_POST
def agreement_put_into_effect(request, pk: int):
    return _act(request, pk, lambda a: services.agreement_put_into_effect(actor=request.user, agreement=a), _("The agreement is now in effect."))


@login_required
@require_POST
def agreement_terminate(request, pk: int):
    return _act(request, pk, lambda a: services.agreement_terminate(actor=request.user, agreement=a, reason=request.POST.get("reason", "")), _("The agreement has been terminated."))


def _number(request, name: str, default: int) -> int | None:
    """A version number from the query string: the default when absent, None when malformed."""
    value = request.GET.get(name) or ""
    return default if not value else int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _compared(request, versions: list) -> tuple:
    """The two versions the query asks for (?a=older&b=newer; by default the newest and the one before it)."""
    by_number: dict[int | None, Any] = {v.number: v for v in versions}
    newest = versions[0].number if versions else 1
    a, b = by_number.get(_number(request, "a", max(newest - 1, 1))), by_number.get(_number(request, "b", newest))
    if a is None or b is None:
        raise Http404
    return a, b


@login_required
def agreement_compare(request, pk: int):
    agreement = _get(request, pk)
    versions = list(selectors.versions_of(agreement))
    a, b = _compared(request, versions)
    return render(request, "agreements/compare.html", {
        "agreement": agreement, "versions": versions, "a": a, "b": b, "rows": selectors.readable_diff(a, b), "nav_section": "agreements",
    })


@login_required
def agreement_pdf(request, pk: int):
    from .pdf import agreement_pdf_bytes

    agreement = _get(request, pk)
    from django.conf import settings

    # Only a language the site speaks: anything else would reach translation and the file name unchecked.
    language = request.GET.get("lang") if request.GET.get("lang") in dict(settings.LANGUAGES) else request.LANGUAGE_CODE
    pdf = agreement_pdf_bytes(agreement, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{agreement.pk}-v{agreement.version}-{language}.pdf"'
    return response
