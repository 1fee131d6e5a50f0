"""Pages for the mobility itself: the three-party agreement, the logbook, the supervisor link, evaluation, transcript."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ortaq.errors import DomainError, error_text

from . import during, grades, selectors
from .models import Nomination, Party, Rating, ReasonCode


def parse_components(text: str) -> list[dict]:
    """One component per line: code | title | credits | hours | recognised at home as | outcome ids (comma-separated)."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + [""] * 6
        rows.append({"code": parts[0], "title": parts[1], "credits": parts[2] or 0, "hours": parts[3] or 0, "recognition": parts[4],
                     "outcomes": [o.strip() for o in parts[5].split(",") if o.strip()]})
    return rows


def components_text(agreement) -> str:
    return "\n".join(
        f"{c.code} | {c.title} | {c.credits} | {c.hours} | {c.recognition} | {','.join(str(o.pk) for o in c.outcomes.all())}"
        for c in agreement.components.all()
    )


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def agreement_start(request, nomination_id: int):
    nomination = Nomination.objects.select_related("application__call").filter(pk=nomination_id).first()
    if nomination is None:
        raise Http404
    start, end = _parse_date(request.POST.get("start_date")), _parse_date(request.POST.get("end_date"))
    if start is None or end is None:
        messages.error(request, _("Give the start and end dates."))
        return redirect("mobility:call", nomination.application.call_id)
    try:
        agreement = during.mobility_agreement_create(actor=request.user, nomination=nomination, start_date=start, end_date=end,
                                                     weekly_hours=request.POST.get("weekly_hours") or 30, components=parse_components(request.POST.get("components", "")))
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect("mobility:call", nomination.application.call_id)
    return redirect("mobility:agreement", agreement.pk)


def _get(request, pk: int):
    agreement = selectors.mobility_agreement_get(actor=request.user, pk=pk)
    if agreement is None:
        raise Http404
    return agreement


@login_required
def agreement_detail(request, pk: int):
    agreement = _get(request, pk)
    held = during.parties_of(request.user, agreement)
    signed = {(s.version, s.party): s for s in agreement.signatures.all()}
    outcomes = {o.pk: o for c in agreement.components.all() for o in c.outcomes.all()}
    evaluations = {e.outcome_id: e for e in agreement.evaluations.all()}
    link = None
    if Party.RECEIVING in held or Party.SENDING in held:
        link = request.build_absolute_uri(reverse("mobility:logbook_link", args=[during.supervisor_link_token(agreement)]))
    return render(request, "mobility/agreement.html", {
        "agreement": agreement, "held": held, "parties": Party.choices,
        "signatures": [(value, label, signed.get((agreement.version, value))) for value, label in Party.choices],
        "may_sign": [value for value, _l in Party.choices if value in held and (agreement.version, value) not in signed],
        "components_text": components_text(agreement), "reasons": ReasonCode.choices, "ratings": Rating.choices, "scales": grades.SCALES,
        "outcomes": [(o, evaluations.get(o.pk)) for o in outcomes.values()], "summary": during.hours_summary(agreement),
        "supervisor_link": link, "nav_section": "mobility",
    })


@login_required
@require_POST
def agreement_action(request, pk: int, action: str):
    agreement = _get(request, pk)
    expected = int(request.POST["version"]) if request.POST.get("version", "").isdigit() else None
    try:
        if action == "edit":
            during.mobility_agreement_edit(actor=request.user, agreement=agreement, components=parse_components(request.POST.get("components", "")), expected_version=expected)
            messages.success(request, _("Saved as a new version."))
        elif action == "sign":
            during.mobility_agreement_sign(actor=request.user, agreement=agreement, party=request.POST.get("party", ""), expected_version=expected)
            messages.success(request, _("Signature recorded."))
        elif action == "propose":
            during.change_propose(actor=request.user, agreement=agreement, components=parse_components(request.POST.get("components", "")),
                                  reason_code=request.POST.get("reason_code", ""), comment=request.POST.get("comment", ""), expected_version=expected)
            messages.success(request, _("Change proposed."))
        elif action == "decide":
            proposal = agreement.proposals.filter(pk=request.POST.get("proposal") or 0).first()
            if proposal is None:
                raise Http404
            during.change_decide(actor=request.user, proposal=proposal, approve=request.POST.get("decision") == "approve", response=request.POST.get("response", ""))
            messages.success(request, _("Decision recorded."))
        elif action == "logbook":
            week = _parse_date(request.POST.get("week_start"))
            if week is None:
                raise DomainError(_("Give the first day of the week."))
            during.logbook_submit(actor=request.user, agreement=agreement, week_start=week, hours=request.POST.get("hours", ""),
                                  description=request.POST.get("description", ""), outcome_ids=request.POST.getlist("outcomes"), evidence=request.FILES.get("evidence"))
            messages.success(request, _("Week submitted."))
        elif action == "verify":
            entry = agreement.logbook.filter(pk=request.POST.get("entry") or 0).first()
            if entry is None:
                raise Http404
            during.logbook_verify(actor=request.user, entry=entry, verified_hours=request.POST.get("verified_hours", ""),
                                  approve=request.POST.get("decision") != "return", comment=request.POST.get("comment", ""))
            messages.success(request, _("Decision recorded."))
        elif action == "evaluate":
            during.outcome_evaluate(actor=request.user, agreement=agreement, outcome_id=int(request.POST.get("outcome") or 0),
                                    rating=request.POST.get("rating", ""), comment=request.POST.get("comment", ""))
            messages.success(request, _("Evaluation saved."))
        elif action == "result":
            component = agreement.components.filter(pk=request.POST.get("component") or 0).first()
            if component is None:
                raise Http404
            during.transcript_record(actor=request.user, agreement=agreement, component=component,
                                     host_grade=request.POST.get("host_grade", ""), host_scale=request.POST.get("host_scale", ""))
            messages.success(request, _("Result recorded."))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error_text(error))
    return redirect("mobility:agreement", agreement.pk)


def logbook_link(request, token: str):
    """The company supervisor's page: no account, only this agreement's logbook, only while the link is valid."""
    agreement = during.agreement_for_link(token)
    if agreement is None:
        return render(request, "mobility/link_expired.html", status=410)
    if request.method == "POST":
        entry = agreement.logbook.filter(pk=request.POST.get("entry") or 0).first()
        if entry is None:
            raise Http404
        try:
            during.logbook_verify(entry=entry, verified_hours=request.POST.get("verified_hours", ""), approve=request.POST.get("decision") != "return",
                                  comment=request.POST.get("comment", ""), via_link=True)
            messages.success(request, _("Thank you: your decision is recorded."))
        except DomainError as error:
            messages.error(request, error_text(error))
        return redirect(request.path)
    return render(request, "mobility/logbook_link.html", {"agreement": agreement, "entries": agreement.logbook.all(), "summary": during.hours_summary(agreement)})


@login_required
def behind_target(request):
    return render(request, "mobility/behind.html", {"rows": selectors.learners_behind_target(actor=request.user), "nav_section": "mobility"})
