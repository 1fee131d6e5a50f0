"""Learning and training agreements across nodes (issue 16): the receiving party signs on its own node.

A mobility agreement lives on the nomination's home node (during.py). When its nomination's host is hosted by another
node, every version to sign goes there, and that node's host staff read and sign it as the receiving party. Mobility
knows nothing of nodes beyond `Institution.node`: it sends the signal `mobility_agreement_shared` inside its
transaction and the federation writes the outbox in that same transaction. The changes it tells:

- "proposed" (home): a new version to sign (`agreement` is the MobilityAgreement; after creation, an edit, an
  approved change);
- "state" (home): a signature recorded at home (local or from the host's node), with the state it leads to;
- "signed" (host's node): the host signed the copy here (`remote` is the RemoteMobilityAgreement, `signer` the User).

The federation calls the functions below when a message arrives (through `ortaq.mobility.services`); on the home
node it calls `during.mobility_agreement_sign_remote` (re-exported there too). A DomainError with code "home_node"
means the sender may not do this (not_home); any other code is a conflict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, VersionConflict
from ortaq.notifications.services import names, notify

from ortaq.accounts.types import Role

from .models import NominationState, RemoteMobilityAgreement, RemoteNomination
from .remote_services import HOST_ROLES

if TYPE_CHECKING:
    from ortaq.accounts.types import Actor, User

    from .types import RemoteMobilityAgreementInput

mobility_agreement_shared = Signal()



def agreement_content_sha256(content: dict[str, object]) -> str:
    """The SHA-256 of an agreement's content, canonical JSON exactly as the home node hashes it (during._sha256)."""
    from .during import _sha256

    return _sha256(content)


def _host_staff(row: RemoteNomination) -> list:
    return list({m.user_id: m.user for m in memberships(institutions=[row.host_id], roles=list(HOST_ROLES)).select_related("user")}.values())


@transaction.atomic
def remote_agreement_receive(*, agreement: RemoteMobilityAgreementInput) -> RemoteMobilityAgreement | None:
    """A version of the agreement drafted on the nomination's home node, kept here for the host to sign. Only the node
    that sent the nomination sends its agreement ("home_node"); the SHA-256 must be the content's ("invalid"); the
    nomination must have been accepted here ("state"). An older or the same version changes nothing (None)."""
    nomination = RemoteNomination.objects.select_for_update().filter(home_node=agreement.home_node, home_id=agreement.nomination_home_id).first()
    if nomination is None:
        raise DomainError(_("No nomination of this node is held here."), code="home_node")
    if agreement_content_sha256(agreement.content) != agreement.sha256:
        raise DomainError(_("The agreement's SHA-256 is not the hash of its content."), code="invalid")
    if nomination.state != NominationState.ACCEPTED:
        raise DomainError(_("An agreement follows an accepted nomination."), code="state")
    row = RemoteMobilityAgreement.objects.filter(nomination=nomination).first()
    if row is not None and row.home_id != agreement.home_id:
        raise DomainError(_("This nomination already has another agreement."), code="state")
    if row is not None and agreement.version <= row.version:
        if agreement.version == row.version and agreement.sha256 != row.sha256:
            raise DomainError(_("This version has another SHA-256 here."), code="invalid")
        return None
    before = {"version": row.version, "sha256": row.sha256} if row else None
    row = row or RemoteMobilityAgreement(nomination=nomination, home_id=agreement.home_id)
    row.version, row.sha256, row.content, row.outcome_texts = agreement.version, agreement.sha256, agreement.content, agreement.outcome_texts
    row.signatures, row.state = agreement.signatures, "signing" if agreement.signatures else "draft"
    row.save()
    audit_record(actor=None, action="create" if before is None else "update", obj=row, before=before,
                 after={"version": row.version, "sha256": row.sha256}, summary=f"from {agreement.home_node}")
    staff = _host_staff(nomination)
    if staff:
        notify(recipients=staff, key="remote_agreement_received", url=reverse("mobility:remote_agreement", args=[row.pk]),
               params={"learner": nomination.learner_display, "host": names(nomination.host), "version": row.version})
    return row


@transaction.atomic
def remote_agreement_apply_state(*, node: str, home_id: str, version: int, sha256: str, state: str,
                                 signatures: list[dict[str, object]]) -> RemoteMobilityAgreement | None:
    """The signatures and state the agreement's home node records now. Only that node sends them ("home_node"); the
    state of a version older than the copy's changes nothing (None); one newer, or another hash, is refused."""
    row = (RemoteMobilityAgreement.objects.select_for_update().select_related("nomination")
           .filter(nomination__home_node=node, home_id=home_id).first())
    if row is None:
        raise DomainError(_("No agreement of this node is held here."), code="home_node")
    if version < row.version:
        return None
    if version > row.version or sha256 != row.sha256:
        raise DomainError(_("This version of the agreement is not the one held here."), code="state")
    before = {"state": row.state, "signatures": row.signatures}
    row.state, row.signatures = state, signatures
    row.save(update_fields=["state", "signatures", "updated_at"])
    audit_record(actor=None, action="transition", obj=row, before=before, after={"state": state, "signatures": signatures}, summary=f"by {node}")
    return row


def may_sign(actor: Actor, row: RemoteMobilityAgreement) -> bool:
    """The host's coordinators and company supervisors sign the current version once, while it still awaits signatures
    and once it lists a component (as at home: nobody signs an agreement without one)."""
    components = row.content.get("components") if isinstance(row.content, dict) else None
    return (access_for(actor).has_role(row.nomination.host_id, *HOST_ROLES) and row.signed_version != row.version
            and row.state != "signed" and "receiving" not in row.signed_parties and bool(components))  # nothing to sign without components


@transaction.atomic
def remote_agreement_sign(*, actor: User, agreement: RemoteMobilityAgreement, expected_version: int | None) -> RemoteMobilityAgreement:
    """The host signs the current version as the receiving party; the signature goes to the agreement's home node,
    which records it (mobility_agreement.signed). Only the host's staff (not a platform administrator), once a version."""
    row = RemoteMobilityAgreement.objects.select_for_update().select_related("nomination__host").get(pk=agreement.pk)
    if not access_for(actor).has_role(row.nomination.host_id, *HOST_ROLES):
        raise Forbidden(_("Only the host signs for the receiving party."))
    if expected_version is not None and expected_version != row.version:
        raise VersionConflict(row.version, _("The sending node has sent a newer version (%(version)d). Read it and sign again.") % {"version": row.version})
    if not may_sign(actor, row):
        raise DomainError(_("This party has already signed this version."), code="already_signed")
    row.signed_version, row.signed_by, row.signed_at = row.version, actor, timezone.now()
    row.save(update_fields=["signed_version", "signed_by", "signed_at", "updated_at"])
    audit_record(actor=actor, action="approve", obj=row, after={"party": "receiving", "version": row.version, "sha256": row.sha256})
    role = Role.COORDINATOR if access_for(actor).has_role(row.nomination.host_id, Role.COORDINATOR) else Role.COMPANY_SUPERVISOR
    mobility_agreement_shared.send(sender=RemoteMobilityAgreement, change="signed", remote=row, signer=actor, role=str(role))
    return row
