"""Pages for the host of a nomination from another node: the learning or training agreement drafted on that node,
to read and sign as the receiving institution (remote_agreement_services.py, docs/federation.md), and the company
supervisor's link to its logbook (remote_logbook_services.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ortaq.errors import DomainError
from ortaq.inputs import ID_MAX, choice, refused, whole_number
from ortaq.lib.views import row_action

from . import remote_agreement_services, remote_change_services, remote_logbook_services, remote_transcript_services, selectors
from .forms import posted_component_rows


def _get(request, pk: int):
    row = selectors.remote_agreement_for_host(actor=request.user, pk=pk)
    if row is None:
        raise Http404
    return row


@login_required
def remote_agreement_detail(request, pk: int):
    row = _get(request, pk)
    page = selectors.remote_agreement_page(actor=request.user, row=row)
    link = remote_logbook_services.supervisor_link_path(actor=request.user, agreement=row)
    return render(request, "mobility/remote_agreement.html", {**page, "supervisor_link": link and request.build_absolute_uri(link), "nav_section": "mobility"})


@row_action(get=_get, page=remote_agreement_detail, route="mobility:remote_agreement")
def remote_agreement_sign(request, agreement):
    """Sign the version shown as the receiving institution; the signature goes to the agreement's node."""
    version = whole_number(request.POST.get("version"), name="version", minimum=1, maximum=ID_MAX)  # the version read: required
    remote_agreement_services.remote_agreement_sign(actor=request.user, agreement=agreement, expected_version=version)
    return _("Signature recorded.")


@row_action(get=_get, page=remote_agreement_detail, route="mobility:remote_agreement")
def remote_agreement_change_propose(request, agreement):
    """Propose a change of components of the version shown; the sending institution decides it on the agreement's node."""
    version = whole_number(request.POST.get("version"), name="version", minimum=1, maximum=ID_MAX)  # the version read: required
    remote_change_services.remote_change_propose(actor=request.user, agreement=agreement, components=posted_component_rows(request.POST),
                                                 reason_code=request.POST.get("reason_code", ""), comment=request.POST.get("comment", ""),
                                                 expected_version=version)
    return _("Change proposed.")


@row_action(get=_get, page=remote_agreement_detail, route="mobility:remote_agreement")
def remote_agreement_logbook_verify(request, agreement):
    """Verify (with the hours verified) or return (with a comment) a week of the logbook kept on the agreement's node."""
    entry = agreement.logbook.filter(pk=whole_number(request.POST.get("entry"), name="entry", minimum=1, maximum=ID_MAX)).first()
    if entry is None:
        raise Http404
    decision = choice(request.POST.get("decision"), ("verify", "return"), name="decision")
    remote_logbook_services.remote_logbook_verify(actor=request.user, entry=entry, approve=decision == "verify",
                                                  verified_hours=request.POST.get("verified_hours", ""), comment=request.POST.get("comment", ""))
    return _("Decision recorded.")


def remote_logbook_link(request, token: str):
    """The host's company supervisor without an account: only this copy's logbook, while the link is valid (else 404)."""
    agreement = remote_logbook_services.remote_agreement_for_link(token)
    if agreement is None:
        raise Http404
    if request.method == "POST":
        try:
            _link_decision(request, agreement, token)
        except DomainError as error:
            return refused(request, error, remote_logbook_link, token)
        messages.success(request, _("Thank you: your decision is recorded."))
        return redirect(request.path)
    return render(request, "mobility/remote_logbook_link.html", {"agreement": agreement, "nomination": agreement.nomination,
                                                                 "entries": agreement.logbook.all()})


def _link_decision(request, agreement, token: str) -> None:
    entry = agreement.logbook.filter(pk=whole_number(request.POST.get("entry"), name="entry", minimum=1, maximum=ID_MAX)).first()
    if entry is None:
        raise Http404
    remote_logbook_services.remote_logbook_verify_via_link(
        token=token, entry=entry, verifier_name=request.POST.get("verifier_name", ""),
        approve=choice(request.POST.get("decision"), ("verify", "return"), name="decision") == "verify",
        verified_hours=request.POST.get("verified_hours", ""), comment=request.POST.get("comment", ""))


@row_action(get=_get, page=remote_agreement_detail, route="mobility:remote_agreement")
def remote_agreement_result(request, agreement):
    """The host's grade of a component, in one of the platform's scales (kept here until the transcript is sent)."""
    remote_transcript_services.remote_result_record(actor=request.user, agreement=agreement, component=request.POST.get("component"),
                                                    host_grade=request.POST.get("host_grade", ""), host_scale=request.POST.get("host_scale"))
    return _("Result recorded.")


@row_action(get=_get, page=remote_agreement_detail, route="mobility:remote_agreement")
def remote_agreement_evaluate(request, agreement):
    """The host's rating of a learning outcome of the agreement."""
    remote_transcript_services.remote_outcome_evaluate(actor=request.user, agreement=agreement, outcome=request.POST.get("outcome"),
                                                       rating=request.POST.get("rating"), comment=request.POST.get("comment", ""))
    return _("Evaluation recorded.")


@row_action(get=_get, page=remote_agreement_detail, route="mobility:remote_agreement")
def remote_agreement_transcript_send(request, agreement):
    """Sign the results as the host institution's transcript of records and send it to the sending institution's node."""
    remote_transcript_services.remote_transcript_send(actor=request.user, agreement=agreement)
    return _("Transcript signed and sent to the sending institution's node.")
