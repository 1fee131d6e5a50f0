"""After a round is published: the placed applicant accepts or declines her placement before its deadline, and
provides the documents of her placement's checklist, which the sending coordinator checks (issue 15).

The flow it fits: publishing a round nominates the placed applicants to their hosts at once (round_services), so
the host may decide while the applicant has not answered yet. Her acceptance is therefore not a gate before the
host; her decline (or her silence past the deadline, "lapsed") withdraws the nomination and her application, so
that the next round's instance (round_input reads submitted applications only) counts the seat as free and never
places her again in that call. The deadline is `Call.acceptance_days` (7 unless the call says otherwise) after
the round's publication, stored on the nomination as `answer_by`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.notifications.services import names, notify, written

from .models import (
    ApplicationState, DocumentKind, DocumentState, Nomination, NominationState, PlacementAnswer, PlacementDocument,
)
from .remote_services import share_across_nodes
from .services import document_check as upload_check

if TYPE_CHECKING:
    import datetime as dt

    from django.core.files.uploadedfile import UploadedFile

    from ortaq.accounts.types import User
    from ortaq.mobility.models import Call

OPEN_STATES = (NominationState.PENDING, NominationState.ACCEPTED)


def _coordinators(call: Call) -> list:
    return [m.user for m in memberships(institutions=[call.owner_id], roles=[Role.COORDINATOR]).select_related("user")]


def _tell(nomination: Nomination, key: str, **extra) -> None:
    """The sending coordinators (and, for a withdrawal, the host's staff) learn of the applicant's answer."""
    application = nomination.application
    call = application.call
    recipients = _coordinators(call)
    if nomination.state == NominationState.WITHDRAWN:
        recipients += [m.user for m in memberships(institutions=[nomination.host_id], roles=[Role.COORDINATOR, Role.COMPANY_SUPERVISOR])
                       .select_related("user")]
    unique = list({u.pk: u for u in recipients}.values())
    if unique:
        notify(recipients=unique, key=key, url=reverse("mobility:placement", args=[nomination.pk]),
               params={"applicant": str(application.applicant), "call": written(call), "host": names(nomination.host), **extra})


def _withdraw(nomination: Nomination, *, answer: str, now: dt.datetime) -> None:
    """Free the seat: the nomination is withdrawn and the application with it (the next round leaves her out)."""
    nomination.answer, nomination.answered_at = answer, now
    before = nomination.state
    if nomination.state in OPEN_STATES:
        nomination.state = NominationState.WITHDRAWN
        nomination.decided_at = nomination.decided_at or now
    nomination.save(update_fields=["answer", "answered_at", "state", "decided_at"])
    application = nomination.application
    if application.state != ApplicationState.WITHDRAWN:
        application.state = ApplicationState.WITHDRAWN
        application.save(update_fields=["state", "updated_at"])
    audit_record(actor=None if answer == PlacementAnswer.LAPSED else application.applicant, action="transition", obj=nomination,
                 before={"state": before, "answer": PlacementAnswer.PENDING}, after={"state": nomination.state, "answer": answer})
    if before in OPEN_STATES and nomination.host.node:  # a host on another node stops waiting (through the federation)
        share_across_nodes(change="withdrawn", nomination_ids=[nomination.pk], reason=answer)


def _locked(nomination: Nomination) -> Nomination:
    return Nomination.objects.select_for_update().select_related("application__applicant", "application__call", "host").get(pk=nomination.pk)


def placement_answer(*, actor: User, nomination: Nomination, accept: bool, now: dt.datetime | None = None) -> Nomination:
    """The placed applicant accepts or declines her placement, once, before its deadline. Past the deadline the
    placement lapses (the seat is freed, committed) and the answer is refused."""
    if nomination.application.applicant_id != actor.pk:
        raise Forbidden(_("Only the placed applicant answers her placement."))
    row = _answer(actor=actor, nomination=nomination, accept=accept, now=now or timezone.now())
    if row is None:  # lapsed in its own transaction, which the refusal must not roll back
        raise DomainError(_("The deadline to answer this placement has passed; the seat goes to the next round."), code="late")
    return row


@transaction.atomic
def _answer(*, actor: User, nomination: Nomination, accept: bool, now: dt.datetime) -> Nomination | None:
    row = _locked(nomination)  # two clicks at once: the second sees the first's answer
    if row.answer != PlacementAnswer.PENDING:
        raise DomainError(_("You have already answered this placement."), code="state")
    if row.state not in OPEN_STATES:
        raise DomainError(_("This placement is no longer open: the host declined it or a later round replaced it."), code="state")
    if row.answer_by is not None and row.answer_by <= now:
        _lapse(row, now=now)
        return None
    if accept:
        row.answer, row.answered_at = PlacementAnswer.ACCEPTED, now
        row.save(update_fields=["answer", "answered_at"])
        audit_record(actor=actor, action="transition", obj=row, before={"answer": PlacementAnswer.PENDING}, after={"answer": row.answer})
        _tell(row, "placement_accepted")
    else:
        _withdraw(row, answer=PlacementAnswer.DECLINED, now=now)
        _tell(row, "placement_declined")
    return row


def _lapse(row: Nomination, *, now: dt.datetime) -> None:
    _withdraw(row, answer=PlacementAnswer.LAPSED, now=now)
    _tell(row, "placement_lapsed", deadline=row.answer_by)


@transaction.atomic
def placements_lapse(*, now: dt.datetime | None = None, call: Call | None = None) -> int:
    """Every placement whose deadline passed unanswered lapses: the seat is freed, the coordinators told.
    Idempotent (a lapsed placement is no longer pending); run before a new round and by the reminders job."""
    now = now or timezone.now()
    due = Nomination.objects.filter(answer=PlacementAnswer.PENDING, answer_by__lte=now, state__in=OPEN_STATES)
    if call is not None:
        due = due.filter(application__call=call)
    count = 0
    for row in due.select_for_update().select_related("application__applicant", "application__call", "host").order_by("id"):
        _lapse(row, now=now)
        count += 1
    return count


# The document checklist ---------------------------------------------------------------------------------

def _require_learner(actor: User, nomination: Nomination) -> None:
    if nomination.application.applicant_id != actor.pk:
        raise Forbidden(_("Only the placed learner provides her documents."))


@transaction.atomic
def placement_document_submit(*, actor: User, nomination: Nomination, kind: str, upload: UploadedFile | None = None,
                              now: dt.datetime | None = None) -> PlacementDocument:
    """The learner uploads a checklist document, or marks it as done without a file (an arrival confirmed by the
    host's e-mail, say); either waits for the coordinator's check. A refused one may be provided again; an
    accepted one stays."""
    _require_learner(actor, nomination)
    if kind not in DocumentKind.values:
        raise ValidationFailed({"kind": [str(_("Choose a document of the checklist."))]})
    row = _locked(nomination)
    if row.state not in OPEN_STATES or row.answer == PlacementAnswer.DECLINED:
        raise DomainError(_("This placement is no longer open."), code="state")
    content_type = upload_check(upload) if upload is not None else ""
    document = PlacementDocument.objects.select_for_update().filter(nomination=row, kind=kind).first()
    if document is not None and document.state == DocumentState.ACCEPTED:
        raise DomainError(_("This document has already been accepted."), code="state")
    document = document or PlacementDocument(nomination=row, kind=kind)
    before = {"state": document.state, "name": document.original_name} if document.pk else None
    if upload is not None:
        document.file = upload
        document.original_name = "".join(ch for ch in upload.name or "" if ch.isprintable())[:200]
        document.content_type, document.size = content_type, upload.size or 0
    document.state, document.reason, document.checked_by, document.checked_at = DocumentState.SUBMITTED, "", None, None
    document.submitted_at = now or timezone.now()
    document.save()
    audit_record(actor=actor, action="update" if before else "create", obj=document, before=before,
                 after={"kind": kind, "state": document.state, "name": document.original_name, "type": content_type})
    return document


@transaction.atomic
def placement_document_check(*, actor: User, nomination: Nomination, kind: str, accept: bool, reason: str = "") -> PlacementDocument:
    """The sending coordinator accepts a provided document, or refuses it with the reason the learner reads."""
    access = access_for(actor)
    if not (access.is_admin or nomination.application.call.owner_id in access.manages):
        raise Forbidden(_("Only a coordinator of the sending institution checks these documents."))
    document = PlacementDocument.objects.select_for_update().filter(nomination=nomination, kind=kind).first()
    if document is None:
        raise DomainError(_("This document has not been provided yet."), code="incomplete")
    if document.state != DocumentState.SUBMITTED:
        raise DomainError(_("This document has already been checked."), code="state")
    reason = reason.strip()
    if not accept and not reason:
        raise ValidationFailed({"reason": [str(_("Give the reason for refusing."))]})
    document.state = DocumentState.ACCEPTED if accept else DocumentState.REFUSED
    document.reason, document.checked_by, document.checked_at = reason, actor, timezone.now()
    document.save(update_fields=["state", "reason", "checked_by", "checked_at"])
    audit_record(actor=actor, action="transition", obj=document, before={"state": DocumentState.SUBMITTED},
                 after={"state": document.state, "reason": reason})
    if not accept:  # the learner must act again: she is told, with the reason
        notify(recipients=[nomination.application.applicant], key="placement_document_refused",
               url=reverse("mobility:placement", args=[nomination.pk]),
               params={"call": written(nomination.application.call), "host": names(nomination.host), "reason": reason})
    return document
