"""Recognition pages: the dossiers, one URL and one view per action on a dossier, and the conversion rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ortaq.accounts.selectors import access_for
from ortaq.errors import DomainError, valid_or_raise
from ortaq.inputs import ID_MAX, choice, refused, whole_number
from ortaq.lib.views import row_action
from ortaq.mobility.selectors import mobility_agreement_get
from ortaq.programmes.selectors import module_rows

from . import learning, selectors, services
from .forms import ConversionRuleForm, OutcomesPasteForm
from .models import Decision


@login_required
def dossier_list(request):
    return render(request, "recognition/list.html", {"dossiers": selectors.dossiers_visible_to(actor=request.user)[:200], "nav_section": "mobility",
                                                     "may_see_stats": selectors.may_see_alignment_stats(actor=request.user)})


@login_required
@require_POST
def dossier_open(request, agreement_id: int):
    agreement = mobility_agreement_get(actor=request.user, pk=agreement_id)
    if agreement is None:
        raise Http404
    try:
        dossier = services.dossier_open(actor=request.user, mobility_agreement=agreement)
    except DomainError as error:
        return refused(request, error, "mobility:agreement", agreement.pk)
    return redirect("recognition:dossier", dossier.pk)


def _get(request, pk: int):
    dossier = selectors.dossier_get(actor=request.user, pk=pk)
    if dossier is None:
        raise Http404
    return dossier


@login_required
def dossier_detail(request, pk: int):
    dossier = _get(request, pk)
    items = list(dossier.items.prefetch_related("component__outcomes"))
    selectors.dossier_explained(dossier=dossier, items=items, reader_lang=_reader_lang())
    return render(request, "recognition/dossier.html", {
        "dossier": dossier, "items": items, "may_decide": services.may_decide(request.user, dossier), "decisions": Decision.choices[1:],
        "is_student": dossier.student_id == request.user.pk, "likely_percent": round(services.LIKELY_MATCH * 100), "candidates": list(services.candidate_modules(dossier.mobility_agreement)),
        "may_paste": selectors.pasteable_modules(actor=request.user, dossier=dossier), "nav_section": "mobility",
    })


def _reader_lang() -> str:
    return (translation.get_language() or "en").split("-")[0]


# Actions on one dossier the actor sees; a refused one is shown on the dossier's page.
_dossier_post = row_action(get=_get, page=dossier_detail, route="recognition:dossier")


def _id(request, name: str) -> int:
    return whole_number(request.POST.get(name), name=name, minimum=1, maximum=ID_MAX)


def _row(queryset, request, name: str):
    """A row of this dossier named by the form (an item, an appeal): 404 for any other."""
    row = queryset.filter(pk=_id(request, name)).first()
    if row is None:
        raise Http404
    return row


@_dossier_post
def item_decide(request, dossier):
    post = request.POST
    module = module_rows(ids=[_id(request, "home_module")]).first() if post.get("home_module") else None
    services.item_decide(actor=request.user, item=_row(dossier.items, request, "item"), decision=post.get("decision", ""), home_module=module,
                         substantial_difference=post.get("substantial_difference", ""), compensating_measure=post.get("compensating_measure", ""))
    return _("Decision saved.")


@_dossier_post
def dossier_sign(request, dossier):
    services.dossier_sign(actor=request.user, dossier=dossier)
    return _("The decision is signed and the student is informed.")


@_dossier_post
def transcript_issue(request, dossier):
    services.transcript_credential_issue(actor=request.user, dossier=dossier)
    return _("The transcript is in the student's wallet.")


@_dossier_post
def appeal_file(request, dossier):
    services.appeal_file(actor=request.user, dossier=dossier, reason=request.POST.get("reason", ""))
    return _("Your appeal has been filed; a second reviewer will decide.")


@_dossier_post
def appeal_decide(request, dossier):
    appeal = _row(dossier.appeals, request, "appeal")
    outcome = choice(request.POST.get("outcome"), ("uphold", "change"), name="outcome")
    services.appeal_decide(actor=request.user, appeal=appeal, change=outcome == "change", response=request.POST.get("response", ""))
    return _("Appeal decided.")


@login_required
def conversion_rules(request):
    """Platform administrators edit the credit conversion rules; every change is a new, audited version."""
    if not access_for(request.user).is_admin:
        raise Http404
    if request.method == "POST":
        try:
            form = valid_or_raise(ConversionRuleForm(request.POST))
            services.conversion_rule_save(actor=request.user, agreement=form.cleaned_data["agreement"], hours=form.to_input())
        except DomainError as error:
            return refused(request, error, conversion_rules)
        messages.success(request, _("Saved as a new version."))
        return redirect("recognition:rules")
    return render(request, "recognition/rules.html", {"rules": selectors.conversion_rules(), "agreements": selectors.agreements_for_rules(), "nav_section": "mobility"})


@login_required
def alignment_stats(request):
    """How often the AI's proposals were accepted: a coordinator's own institutions, or all (small counts withheld)."""
    stats = selectors.alignment_stats(actor=request.user)
    if stats is None:
        raise Http404
    return render(request, "recognition/alignment_stats.html", {"stats": stats, "nav_section": "mobility"})


@login_required
def outcomes_paste(request, module_id: int):
    """Outcomes pasted one a line in kk/ru/zh/en: the detected languages are shown to confirm, then saved at once."""
    module = selectors.module_for_outcomes(actor=request.user, pk=module_id)
    if module is None:
        raise Http404
    try:
        if request.method != "POST" or "save" not in request.POST:
            lines = OutcomesPasteForm.pasted(request.POST) if request.method == "POST" else ""
            return render(request, "recognition/outcomes_paste.html", {"module": module, "preview": learning.outcomes_detect(lines), "lines": lines,
                                                                      "language_choices": OutcomesPasteForm.LANGUAGES, "nav_section": "mobility"})
        added = learning.outcomes_paste(actor=request.user, module=module, outcomes=OutcomesPasteForm.confirmed(request.POST))
    except DomainError as error:
        return refused(request, error, outcomes_paste, module_id)
    messages.success(request, _("%(n)d learning outcomes added.") % {"n": len(added)})
    return redirect("recognition:outcomes_paste", module.pk)
