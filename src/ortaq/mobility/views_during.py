"""Pages for the mobility itself: the three-party agreement, the logbook, the supervisor link, evaluation, transcript.

One URL and one view per action on an agreement; each parses its form and calls one service of `during`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ortaq.errors import DomainError
from ortaq.inputs import ID_MAX, DateField, choice, parse, refused, whole_number
from ortaq.lib.views import row_action

from . import during, selectors
from .forms import components_form, posted_components
from .models import Nomination


def _date(request, name: str, missing):
    """An ISO date from the form (1900–2199), or ValidationFailed with Django's translated messages."""
    return parse(DateField(error_messages={"required": missing}), request.POST.get(name), name=name)


def _id(request, name: str) -> int:
    return whole_number(request.POST.get(name), name=name, minimum=1, maximum=ID_MAX)


def _version(request) -> int | None:
    """The version the form was made from: a change to a newer one is refused instead of overwriting it."""
    version = request.POST.get("version", "")
    return whole_number(version, name="version", minimum=1, maximum=ID_MAX) if version != "" else None


def _row(queryset, request, name: str):
    """A row of this agreement named by the form (a proposal, a logbook week, a component): 404 for any other."""
    row = queryset.filter(pk=_id(request, name)).first()
    if row is None:
        raise Http404
    return row


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
                                                     components=[])  # picked next, on the agreement's page (mobility/forms.py ComponentsForm)
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
    page = during.agreement_page(actor=request.user, agreement=_get(request, pk))
    if page["supervisor_link"]:
        page["supervisor_link"] = request.build_absolute_uri(page["supervisor_link"])
    return render(request, "mobility/agreement.html", {**page, "components_form": components_form(page["agreement"]), "nav_section": "mobility"})


# Actions on one agreement the actor takes part in; a refused one is shown on the agreement's page.
_agreement_post = row_action(get=_get, page=agreement_detail, route="mobility:agreement")


@_agreement_post
def agreement_edit(request, agreement):
    during.mobility_agreement_edit(actor=request.user, agreement=agreement, components=posted_components(agreement, request.POST), expected_version=_version(request))
    return _("Saved as a new version.")


@_agreement_post
def agreement_sign(request, agreement):
    during.mobility_agreement_sign(actor=request.user, agreement=agreement, party=request.POST.get("party", ""), expected_version=_version(request))
    return _("Signature recorded.")


@_agreement_post
def change_propose(request, agreement):
    during.change_propose(actor=request.user, agreement=agreement, components=posted_components(agreement, request.POST),
                          reason_code=request.POST.get("reason_code", ""), comment=request.POST.get("comment", ""), expected_version=_version(request))
    return _("Change proposed.")


@_agreement_post
def change_decide(request, agreement):
    proposal = _row(agreement.proposals, request, "proposal")
    decision = choice(request.POST.get("decision"), ("approve", "reject"), name="decision")
    during.change_decide(actor=request.user, proposal=proposal, approve=decision == "approve", response=request.POST.get("response", ""))
    return _("Decision recorded.")


@_agreement_post
def logbook_submit(request, agreement):
    during.logbook_submit(actor=request.user, agreement=agreement, week_start=_date(request, "week_start", _("Give the first day of the week.")),
                          hours=request.POST.get("hours", ""), description=request.POST.get("description", ""),
                          outcome_ids=request.POST.getlist("outcomes"), evidence=request.FILES.get("evidence"))
    return _("Week submitted.")


def _verify(request, agreement, **who) -> None:
    """The host's decision on a week: signed in (`actor`) or through the supervisor link (`via_link`)."""
    entry = _row(agreement.logbook, request, "entry")
    decision = choice(request.POST.get("decision"), ("verify", "return"), name="decision")
    during.logbook_verify(entry=entry, verified_hours=request.POST.get("verified_hours", ""), approve=decision == "verify",
                          comment=request.POST.get("comment", ""), **who)


@_agreement_post
def logbook_verify(request, agreement):
    _verify(request, agreement, actor=request.user)
    return _("Decision recorded.")


@_agreement_post
def outcome_evaluate(request, agreement):
    during.outcome_evaluate(actor=request.user, agreement=agreement, outcome_id=request.POST.get("outcome", ""),
                            rating=request.POST.get("rating", ""), comment=request.POST.get("comment", ""))
    return _("Evaluation saved.")


@_agreement_post
def transcript_record(request, agreement):
    component = _row(agreement.components, request, "component")
    during.transcript_record(actor=request.user, agreement=agreement, component=component,
                             host_grade=request.POST.get("host_grade", ""), host_scale=request.POST.get("host_scale", ""))
    return _("Result recorded.")


def logbook_link(request, token: str):
    """The company supervisor's page: no account, only this agreement's logbook, only while the link is valid."""
    agreement = during.agreement_for_link(token)
    if agreement is None:
        return render(request, "mobility/link_expired.html", status=410)
    if request.method == "POST":
        try:
            _verify(request, agreement, via_link=True)
        except DomainError as error:
            return refused(request, error, logbook_link, token)
        messages.success(request, _("Thank you: your decision is recorded."))
        return redirect(request.path)
    return render(request, "mobility/logbook_link.html", {"agreement": agreement, "entries": agreement.logbook.all(), "summary": during.hours_summary(agreement)})


@login_required
def behind_target(request):
    return render(request, "mobility/behind.html", {"rows": selectors.learners_behind_target(actor=request.user), "nav_section": "mobility"})
