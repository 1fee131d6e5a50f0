"""Pages for the host of a nomination from another node: the learning or training agreement drafted on that node,
to read and sign as the receiving institution (remote_agreement_services.py, docs/federation.md)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from ortaq.inputs import ID_MAX, choice, whole_number
from ortaq.lib.views import row_action

from . import remote_agreement_services, remote_logbook_services, selectors


def _get(request, pk: int):
    row = selectors.remote_agreement_for_host(actor=request.user, pk=pk)
    if row is None:
        raise Http404
    return row


@login_required
def remote_agreement_detail(request, pk: int):
    page = selectors.remote_agreement_page(actor=request.user, row=_get(request, pk))
    return render(request, "mobility/remote_agreement.html", {**page, "nav_section": "mobility"})


@row_action(get=_get, page=remote_agreement_detail, route="mobility:remote_agreement")
def remote_agreement_sign(request, agreement):
    """Sign the version shown as the receiving institution; the signature goes to the agreement's node."""
    version = whole_number(request.POST.get("version"), name="version", minimum=1, maximum=ID_MAX)  # the version read: required
    remote_agreement_services.remote_agreement_sign(actor=request.user, agreement=agreement, expected_version=version)
    return _("Signature recorded.")


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
