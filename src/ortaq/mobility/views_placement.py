"""A placement after publication: the learner's answer and documents, the sending coordinator's checks and the
host's view of the nominee's file, on one page (issue 15). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ortaq.errors import DomainError
from ortaq.inputs import choice, plain_text, refused

from . import acceptance, selectors
from .models import DocumentKind


def _get(request, pk: int):
    nomination = selectors.placement_get(actor=request.user, pk=pk)
    if nomination is None:
        raise Http404
    return nomination


@login_required
def placement_detail(request, pk: int):
    nomination = _get(request, pk)
    sides = selectors.placement_sides(actor=request.user, nomination=nomination)
    return render(request, "mobility/placement.html", {
        "nomination": nomination, "sides": sides, "answer": selectors.placement_answer_state(nomination),
        "checklist": selectors.placement_checklist(nomination), "nav_section": "mobility",
        "file": selectors.nominee_file(nomination) if sides & {"host", "sending"} else None,
    })


@login_required
@require_POST
def placement_answer(request, pk: int):
    nomination = _get(request, pk)
    try:
        decision = choice(request.POST.get("answer"), ("accept", "decline"), name="answer")
        acceptance.placement_answer(actor=request.user, nomination=nomination, accept=decision == "accept")
    except DomainError as error:
        return refused(request, error, placement_detail, pk)
    messages.success(request, _("You have accepted the placement.") if decision == "accept" else _("You have declined the placement."))
    return redirect("mobility:placement", pk)


@login_required
@require_POST
def placement_document_submit(request, pk: int, kind: str):
    nomination = _get(request, pk)
    try:
        kind = choice(kind, DocumentKind.values, name="kind")
        acceptance.placement_document_submit(actor=request.user, nomination=nomination, kind=kind, upload=request.FILES.get("file"))
    except DomainError as error:
        return refused(request, error, placement_detail, pk)
    messages.success(request, _("Document sent to your coordinator."))
    return redirect("mobility:placement", pk)


@login_required
@require_POST
def placement_document_check(request, pk: int, kind: str):
    nomination = _get(request, pk)
    try:
        kind = choice(kind, DocumentKind.values, name="kind")
        decision = choice(request.POST.get("decision"), ("accept", "refuse"), name="decision")
        acceptance.placement_document_check(actor=request.user, nomination=nomination, kind=kind, accept=decision == "accept",
                                            reason=plain_text(request.POST.get("reason"), name="reason"))
    except DomainError as error:
        return refused(request, error, placement_detail, pk)
    messages.success(request, _("Check recorded."))
    return redirect("mobility:placement", pk)


@login_required
def placement_document_file(request, pk: int, kind: str):
    """A checklist document's file, for the three sides of the placement only (the page's reader)."""
    document = selectors.placement_document(nomination=_get(request, pk), kind=kind)
    if document is None:
        raise Http404
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name or f"{kind}", content_type=document.content_type)


@login_required
def nominee_document_file(request, pk: int, document_id: int):
    """A document of the nominee's application (her evidence), for the sides of this nomination only."""
    document = selectors.application_document(nomination=_get(request, pk), pk=document_id)
    if document is None:
        raise Http404
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name or "document", content_type=document.content_type)
