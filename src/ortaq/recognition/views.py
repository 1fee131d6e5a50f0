from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ortaq.errors import DomainError
from ortaq.inputs import ID_MAX, choice, refused, whole_number
from ortaq.programmes.selectors import module_rows

from . import selectors, services
from .models import Decision


@login_required
def dossier_list(request):
    return render(request, "recognition/list.html", {"dossiers": selectors.dossiers_visible_to(actor=request.user)[:200], "nav_section": "mobility"})


@login_required
@require_POST
def dossier_open(request, agreement_id: int):
    from ortaq.mobility.selectors import mobility_agreement_get

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
    items = list(dossier.items.all())
    modules = {m.pk: m for m in module_rows(ids={p["module"] for i in items for p in i.proposal} | {i.home_module_id for i in items if i.home_module_id}).prefetch_related("outcomes")}
    outcome_text = {f"lo{o.pk}": o for m in modules.values() for o in m.outcomes.all()}
    for item in items:
        item.proposals = [{**p, "module_obj": modules.get(p["module"]),
                           "uncovered_outcomes": [outcome_text.get(u) for u in p["uncovered"] if outcome_text.get(u)]} for p in item.proposal]
    return render(request, "recognition/dossier.html", {
        "dossier": dossier, "items": items, "may_decide": services.may_decide(request.user, dossier), "decisions": Decision.choices[1:],
        "is_student": dossier.student_id == request.user.pk, "candidates": list(services.candidate_modules(dossier.mobility_agreement)),
        "nav_section": "mobility",
    })


@login_required
@require_POST
def dossier_action(request, pk: int, action: str):
    dossier = _get(request, pk)
    post = request.POST

    def row_id(name: str) -> int:
        return whole_number(post.get(name), name=name, minimum=1, maximum=ID_MAX)

    try:
        if action == "decide":
            item = dossier.items.filter(pk=row_id("item")).first()
            if item is None:
                raise Http404
            module = module_rows(ids=[row_id("home_module")]).first() if post.get("home_module") else None
            services.item_decide(actor=request.user, item=item, decision=post.get("decision", ""), home_module=module,
                                 substantial_difference=post.get("substantial_difference", ""), compensating_measure=post.get("compensating_measure", ""))
            messages.success(request, _("Decision saved."))
        elif action == "sign":
            services.dossier_sign(actor=request.user, dossier=dossier)
            messages.success(request, _("The decision is signed and the student is informed."))
        elif action == "transcript":
            services.transcript_credential_issue(actor=request.user, dossier=dossier)
            messages.success(request, _("The transcript is in the student's wallet."))
        elif action == "appeal":
            services.appeal_file(actor=request.user, dossier=dossier, reason=post.get("reason", ""))
            messages.success(request, _("Your appeal has been filed; a second reviewer will decide."))
        elif action == "review":
            appeal = dossier.appeals.filter(pk=row_id("appeal")).first()
            if appeal is None:
                raise Http404
            outcome = choice(post.get("outcome"), ("uphold", "change"), name="outcome")
            services.appeal_decide(actor=request.user, appeal=appeal, change=outcome == "change", response=post.get("response", ""))
            messages.success(request, _("Appeal decided."))
        else:
            raise Http404
    except DomainError as error:
        return refused(request, error, dossier_detail, pk)
    return redirect("recognition:dossier", dossier.pk)


@login_required
def conversion_rules(request):
    """Platform administrators edit the credit conversion rules; every change is a new, audited version."""
    from ortaq.accounts.selectors import access_for
    from ortaq.agreements.selectors import agreements_in_force

    from .models import ConversionRule

    if not access_for(request.user).is_admin:
        raise Http404
    if request.method == "POST":
        try:
            agreement = None
            if request.POST.get("agreement"):  # empty: the default rule
                agreement_id = whole_number(request.POST.get("agreement"), name="agreement", minimum=1, maximum=ID_MAX)
                agreement = agreements_in_force().filter(pk=agreement_id).first()
                if agreement is None:
                    raise Http404
            with transaction.atomic():  # a rule made for the agreement goes again if its values are refused
                rule = ConversionRule.objects.filter(agreement=agreement).first() or services.rule_for(agreement)
                if agreement is not None and rule.agreement_id is None:
                    rule = ConversionRule.objects.create(agreement=agreement)
                services.conversion_rule_update(actor=request.user, rule=rule, data={k: request.POST.get(k) for k in ("hours_per_kz_credit", "hours_per_cn_credit", "hours_per_ects")})
        except DomainError as error:
            return refused(request, error, conversion_rules)
        messages.success(request, _("Saved as a new version."))
        return redirect("recognition:rules")
    services.rule_for(None)
    return render(request, "recognition/rules.html", {
        "rules": ConversionRule.objects.select_related("agreement").prefetch_related("versions__created_by").order_by("agreement_id"),
        "agreements": agreements_in_force().order_by("title"), "nav_section": "mobility",
    })
