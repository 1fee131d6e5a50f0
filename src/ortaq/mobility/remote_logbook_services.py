"""Logbooks across nodes (issue 16): the host's staff verify on their own node the weeks a learner logs at home.

Once a learning or training agreement whose host is hosted by another node is signed by all, the learner keeps her
logbook on the agreement's home node (during.py). Each week she submits (or resubmits after a return) goes to the
host's node, whose coordinators and company supervisors verify it there or return it with a comment; the decision
goes home, which records it through the same code path as a local verification (during.logbook_verify_remote).
Mobility knows nothing of nodes beyond `Institution.node`: it sends the signal `logbook_shared` inside its
transaction and the federation writes the outbox in that same transaction. The changes it tells:

- "submitted" (home): a week submitted or resubmitted (`entry` is the LogbookEntry);
- "verified" (host's node): the host verified or returned the week here (`remote` is the RemoteLogbookEntry,
  `verifier` the User, `role` their role at the host); through the supervisor link `verifier` is None and
  `verifier_name` the name the company supervisor typed (role "company_supervisor").

The company supervisor without an account verifies through a signed link (`supervisor_link_token`), which only the
host's coordinators are shown: as on the home node for a local host (during.supervisor_link_token), but salted
apart, so that neither node's link opens the other's page.

A DomainError with code "home_node" means the sender may not do this (not_home); any other code is a conflict.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core import signing
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.inputs import LINE_MAX, decimal_number, plain_text
from ortaq.notifications.services import names, notify

from .models import EntryState, RemoteLogbookEntry, RemoteMobilityAgreement
from .remote_agreement_services import _host_staff
from .remote_services import HOST_ROLES

if TYPE_CHECKING:
    from ortaq.accounts.types import User

logbook_shared = Signal()

LINK_SALT = "ortaq.mobility.remote_logbook_link"  # not the home node's (during.LINK_SALT): one link never opens the other's page
VERIFIER_NAME_MAX = 200


@transaction.atomic
def remote_logbook_receive(*, node: str, agreement_home_id: str, entry_home_id: str, week_start: dt.date, hours: Decimal,
                           description: str, outcomes: list[int]) -> RemoteLogbookEntry:
    """A week submitted on the agreement's home node (`node`, which must be the one that sent the agreement, else
    "home_node"), kept here for the host to verify. Only once the copy here is signed by all ("state"); a week the
    host has verified here is not submitted again ("verified")."""
    agreement = (RemoteMobilityAgreement.objects.select_for_update().select_related("nomination__host")
                 .filter(nomination__home_node=node, home_id=agreement_home_id).first())
    if agreement is None:
        raise DomainError(_("No agreement of this node is held here."), code="home_node")
    if agreement.state != "signed":
        raise DomainError(_("The logbook opens once all three parties have signed the agreement."), code="state")
    row = RemoteLogbookEntry.objects.select_for_update().filter(agreement=agreement, home_id=entry_home_id).first()
    if row is not None and row.state == EntryState.VERIFIED:
        raise DomainError(_("This week is already verified."), code="verified")
    before = None if row is None else {"state": row.state, "hours": str(row.hours)}
    row = row or RemoteLogbookEntry(agreement=agreement, home_id=entry_home_id)
    row.week_start, row.hours, row.description, row.outcomes = week_start, hours, description, outcomes
    row.state, row.verified_hours, row.comment, row.verified_by, row.verified_at = EntryState.SUBMITTED, None, "", None, None
    row.save()
    audit_record(actor=None, action="create" if before is None else "update", obj=row, before=before,
                 after={"week": week_start.isoformat(), "hours": str(hours)}, summary=f"from {node}")
    staff = _host_staff(agreement.nomination)
    if staff:
        notify(recipients=staff, key="remote_logbook_submitted", url=reverse("mobility:remote_agreement", args=[agreement.pk]),
               params={"learner": agreement.nomination.learner_display, "host": names(agreement.nomination.host), "week": week_start.isoformat()})
    return row


@transaction.atomic
def remote_logbook_verify(*, actor: User, entry: RemoteLogbookEntry, approve: bool, verified_hours: object = "", comment: str = "") -> RemoteLogbookEntry:
    """The host verifies (or returns, with a comment) a week here; the decision goes to the agreement's home node
    (logbook.verified), which records it. Only the host's staff (not a platform administrator), a submitted week."""
    row = _locked(entry)
    host_id = row.agreement.nomination.host_id
    if not access_for(actor).has_role(host_id, *HOST_ROLES):
        raise Forbidden(_("Only the host verifies the logbook."))
    before = _decide(row, approve=approve, verified_hours=verified_hours, comment=comment, verified_by=actor)
    audit_record(actor=actor, action="approve" if approve else "transition", obj=row, before=before,
                 after={"state": row.state, "verified_hours": str(row.verified_hours)})
    role = Role.COORDINATOR if access_for(actor).has_role(host_id, Role.COORDINATOR) else Role.COMPANY_SUPERVISOR
    logbook_shared.send(sender=RemoteLogbookEntry, change="verified", remote=row, verifier=actor, role=str(role))
    return row


@transaction.atomic
def remote_logbook_verify_via_link(*, token: str, entry: RemoteLogbookEntry, verifier_name: str, approve: bool,
                                   verified_hours: object = "", comment: str = "") -> RemoteLogbookEntry:
    """The host's company supervisor without an account verifies (or returns) a week through the supervisor link:
    the token is the authority (for this copy's weeks only), the name she types stands for her in the audit and in
    the decision sent home (role company supervisor), as no User exists to name."""
    agreement = remote_agreement_for_link(token)
    row = _locked(entry)
    if agreement is None or row.agreement_id != agreement.pk:
        raise Forbidden(_("This link does not open this logbook."))
    name = plain_text(verifier_name, name="verifier_name", max_length=VERIFIER_NAME_MAX, required_message=_("Give your name."))
    before = _decide(row, approve=approve, verified_hours=verified_hours, comment=comment, verified_by=None)
    audit_record(actor=None, action="approve" if approve else "transition", obj=row, before=before,
                 after={"state": row.state, "verified_hours": str(row.verified_hours), "via_link": True},
                 summary=f"supervisor link: {name} ({Role.COMPANY_SUPERVISOR})"[:300])
    logbook_shared.send(sender=RemoteLogbookEntry, change="verified", remote=row, verifier=None, verifier_name=name,
                        role=str(Role.COMPANY_SUPERVISOR))
    return row


def _locked(entry: RemoteLogbookEntry) -> RemoteLogbookEntry:
    return RemoteLogbookEntry.objects.select_for_update().select_related("agreement__nomination__host").get(pk=entry.pk)


def _decide(row: RemoteLogbookEntry, *, approve: bool, verified_hours: object, comment: str, verified_by: User | None) -> dict:
    """Record the decision on a submitted week (locked by the caller); returns the state before, for the audit."""
    if row.state == EntryState.VERIFIED:
        raise DomainError(_("This week is already verified."), code="verified")
    if row.state != EntryState.SUBMITTED:
        raise DomainError(_("This week was returned; it waits for the learner to submit it again."), code="state")
    comment = plain_text(comment, name="comment", max_length=LINE_MAX)
    before = {"state": row.state}
    if approve:
        row.verified_hours = decimal_number(verified_hours, name="verified_hours", minimum=0, maximum=row.hours, places=1,
                                            message=_("Verified hours must be between 0 and the hours submitted."))
        row.state = EntryState.VERIFIED
    else:
        if not comment:
            raise ValidationFailed({"comment": [str(_("Say why the week is returned."))]})
        row.state, row.verified_hours = EntryState.REJECTED, None
    row.comment, row.verified_by, row.verified_at = comment, verified_by, timezone.now()
    row.save(update_fields=["state", "verified_hours", "comment", "verified_by", "verified_at", "updated_at"])
    return before


def supervisor_link_token(agreement: RemoteMobilityAgreement) -> str:
    """A single-purpose signed token: verify the weeks of this copy's logbook, without an account, for as long as
    the home node's link lasts (during.LINK_MAX_AGE)."""
    return signing.TimestampSigner(salt=LINK_SALT).sign_object({"agreement": agreement.pk, "home_id": agreement.home_id})


def remote_agreement_for_link(token: str) -> RemoteMobilityAgreement | None:
    """The copy a valid token names, while it is signed by all; None for a tampered, expired or foreign token."""
    from .during import LINK_MAX_AGE  # during imports this module

    try:
        data = signing.TimestampSigner(salt=LINK_SALT).unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("agreement"), int) or not isinstance(data.get("home_id"), str):
        return None
    return (RemoteMobilityAgreement.objects.select_related("nomination__host")
            .filter(pk=data["agreement"], home_id=data["home_id"], state="signed").first())


def supervisor_link_path(*, actor: User, agreement: RemoteMobilityAgreement) -> str | None:
    """The path of the supervisor link, for the host's coordinators once the copy is signed by all (else None). A
    company supervisor with an account verifies on the page itself; handing the link on is the coordinator's call."""
    if agreement.state != "signed" or not access_for(actor).has_role(agreement.nomination.host_id, Role.COORDINATOR):
        return None
    return reverse("mobility:remote_logbook_link", args=[supervisor_link_token(agreement)])
