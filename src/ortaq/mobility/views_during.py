"""Pages for the mobility itself: the three-party agreement, the logbook, the supervisor link, evaluation, transcript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ortaq.errors import DomainError
from ortaq.inputs import ID_MAX, TEXT_MAX, DateField, choice, parse, plain_text, refused, whole_number

from . import during, grades, selectors
from .models import Nomination, Party, Rating, ReasonCode


def parse_components(text: str) -> list[dict]:
    """One component per line: code | title | credits | hours | recognised at home as | outcome ids (comma-separated).
    The services check each value; here only the whole text is limited (and refused with control characters)."""
    text = plain_text(text, name="components", max_length=TEXT_MAX)
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


def _date(request, name: str, missing):
    """An ISO date from the form (1900–2199), or ValidationFailed with Django's translated messages."""
    return parse(DateField(error_messages={"required": missing}), request.POST.get(name), name=name)


def _id(request, name: str) -> int:
    return whole_number(request.POST.get(name), name=name, minimum=1, maximum=ID_MAX)


@login_required
@require_POST
def agreement_start(request, nomination_id: int):
    from .views import call_detail

    nomination = Nomination.objects.select_related("application__call").filter(pk=nomination_id).first()
    if nomination is None:
        raise Http404
    try:
        agreement = during.mobility_agreement_create(actor=request.user, nomination=nomination, start_date=_date(request, "start_date", _("Give the start and end dates.")),
                                                     end_date=_date(request, "end_date", _("Give the start and end dates.")), weekly_hours=request.POST.get("weekly_hours") or 30,
                                                     components=parse_components(request.POST.get("components", "")))
    except DomainError as error:
        return refused(request, error, call_detail, nomination.application.call_id)
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
    try:
        version = request.POST.get("version", "")
        expected = whole_number(version, name="version", minimum=1, maximum=ID_MAX) if version != "" else None
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
            proposal = agreement.proposals.filter(pk=_id(request, "proposal")).first()
            if proposal is None:
                raise Http404
            decision = choice(request.POST.get("decision"), ("approve", "reject"), name="decision")
            during.change_decide(actor=request.user, proposal=proposal, approve=decision == "approve", response=request.POST.get("response", ""))
            messages.success(request, _("Decision recorded."))
        elif action == "logbook":
            during.logbook_submit(actor=request.user, agreement=agreement, week_start=_date(request, "week_start", _("Give the first day of the week.")), hours=request.POST.get("hours", ""),
                                  description=request.POST.get("description", ""), outcome_ids=request.POST.getlist("outcomes"), evidence=request.FILES.get("evidence"))
            messages.success(request, _("Week submitted."))
        elif action == "verify":
            entry = agreement.logbook.filter(pk=_id(request, "entry")).first()
            if entry is None:
                raise Http404
            decision = choice(request.POST.get("decision"), ("verify", "return"), name="decision")
            during.logbook_verify(actor=request.user, entry=entry, verified_hours=request.POST.get("verified_hours", ""),
                                  approve=decision == "verify", comment=request.POST.get("comment", ""))
            messages.success(request, _("Decision recorded."))
        elif action == "evaluate":
            during.outcome_evaluate(actor=request.user, agreement=agreement, outcome_id=request.POST.get("outcome", ""),
                                    rating=request.POST.get("rating", ""), comment=request.POST.get("comment", ""))
            messages.success(request, _("Evaluation saved."))
        elif action == "result":
            component = agreement.components.filter(pk=_id(request, "component")).first()
            if component is None:
                raise Http404
            during.transcript_record(actor=request.user, agreement=agreement, component=component,
                                     host_grade=request.POST.get("host_grade", ""), host_scale=request.POST.get("host_scale", ""))
            messages.success(request, _("Result recorded."))
        else:
            raise Http404
    except DomainError as error:
        return refused(request, error, agreement_detail, pk)
    return redirect("mobility:agreement", agreement.pk)


def logbook_link(request, token: str):
    """The company supervisor's page: no account, only this agreement's logbook, only while the link is valid."""
    agreement = during.agreement_for_link(token)
    if agreement is None:
        return render(request, "mobility/link_expired.html", status=410)
    if request.method == "POST":
        try:
            entry = agreement.logbook.filter(pk=_id(request, "entry")).first()
            if entry is None:
                raise Http404
            decision = choice(request.POST.get("decision"), ("verify", "return"), name="decision")
            during.logbook_verify(entry=entry, verified_hours=request.POST.get("verified_hours", ""), approve=decision == "verify",
                                  comment=request.POST.get("comment", ""), via_link=True)
        except DomainError as error:
            return refused(request, error, logbook_link, token)
        messages.success(request, _("Thank you: your decision is recorded."))
        return redirect(request.path)
    return render(request, "mobility/logbook_link.html", {"agreement": agreement, "entries": agreement.logbook.all(), "summary": during.hours_summary(agreement)})


@login_required
def behind_target(request):
    return render(request, "mobility/behind.html", {"rows": selectors.learners_behind_target(actor=request.user), "nav_section": "mobility"})
