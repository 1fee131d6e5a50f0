from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ortaq.audit.selectors import history_for
from ortaq.errors import DomainError, Forbidden, valid_or_raise
from ortaq.inputs import HardenedForm, query_text, refused
from ortaq.institutions.selectors import institution_rows
from ortaq.lib.views import apply_errors, form_data, paginate

from . import selectors, services
from .forms import ModuleForm, OutcomeForm, ProgrammeForm
from .models import LearningOutcome, Module


class AwardingForm(HardenedForm, forms.Form):
    awarding = forms.ModelMultipleChoiceField(label=gettext_lazy("awarding institutions"), queryset=institution_rows().order_by("name_latin"))


def _get(request, pk: int):
    programme = selectors.programme_get(actor=request.user, pk=pk)
    if programme is None:
        raise Http404
    return programme


@login_required
def programme_list(request):
    filters = {"q": query_text(request.GET, "q"), "isced": query_text(request.GET, "isced", max_length=4)}
    qs = selectors.programme_list(actor=request.user, **filters)
    return render(request, "programmes/list.html", {
        **paginate(request, qs), "filters": filters, "may_create": selectors.may_create_programmes(actor=request.user), "nav_section": "programmes",
    })


@login_required
def programme_detail(request, pk: int):
    programme = _get(request, pk)
    may_edit = selectors.may_edit_programme(actor=request.user, programme=programme)
    modules = list(programme.modules.all())
    if may_edit:
        for module in modules:  # one form per module, with ids that stay unique on the page
            module.outcome_form = OutcomeForm(auto_id=f"m{module.pk}_%s")
    return render(request, "programmes/detail.html", {
        "programme": programme, "modules": modules, "may_edit": may_edit, "module_form": ModuleForm() if may_edit else None, "history": history_for(programme), "nav_section": "programmes",
    })


def _create(request, form: ProgrammeForm, awarding: AwardingForm):
    """The new programme, or None with every error shown on the two forms."""
    if not (awarding.is_valid() & form.is_valid()):  # both validated, so that every error shows at once
        return None
    try:
        return services.programme_create(actor=request.user, details=form.details(), awarding=list(awarding.cleaned_data["awarding"]))
    except DomainError as error:
        apply_errors(form, error)
        return None


@login_required
def programme_create(request):
    if not selectors.may_create_programmes(actor=request.user):
        raise PermissionDenied
    data = form_data(request) | {"languages": request.POST.getlist("languages")} if request.method == "POST" else None
    form, awarding = ProgrammeForm(data=data), AwardingForm(data=request.POST or None)
    programme = _create(request, form, awarding) if request.method == "POST" else None
    if programme is not None:
        messages.success(request, _("Programme created. Add its modules and learning outcomes."))
        return redirect("programmes:detail", programme.pk)
    status = 422 if request.method == "POST" else 200  # every successful POST has redirected above
    return render(request, "programmes/form.html", {"form": form, "awarding_form": awarding, "nav_section": "programmes"}, status=status)


def _editable(request, programme) -> None:
    """Refuse someone who may not edit the programme before reading their input (as the services would)."""
    if not selectors.may_edit_programme(actor=request.user, programme=programme):
        raise Forbidden()


@login_required
@require_POST
def module_add(request, pk: int):
    programme = _get(request, pk)
    try:
        _editable(request, programme)
        module = valid_or_raise(ModuleForm(data=form_data(request), instance=Module(programme=programme))).details()
        services.module_add(actor=request.user, programme=programme, module=module)
    except DomainError as error:
        return refused(request, error, programme_detail, pk)
    messages.success(request, _("Module added."))
    return redirect("programmes:detail", programme.pk)


@login_required
@require_POST
def outcome_add(request, pk: int, module_id: int):
    programme = _get(request, pk)
    module = programme.modules.filter(pk=module_id).first()
    if module is None:
        raise Http404
    try:
        _editable(request, programme)
        outcome = valid_or_raise(OutcomeForm(data=form_data(request), instance=LearningOutcome(module=module))).details()
        services.outcome_add(actor=request.user, module=module, outcome=outcome)
    except DomainError as error:
        return refused(request, error, programme_detail, pk)
    messages.success(request, _("Learning outcome added."))
    return redirect("programmes:detail", programme.pk)
