"""Changes of a learning or training agreement proposed by the host on its own node (issue 16, docs/federation.md).

The agreement lives on its nomination's home node, which alone makes its versions. The host's staff propose a new
list of components here, on the version they read (`RemoteChangeProposal`); it goes home
(`mobility_agreement.change_proposed`), where the sending institution decides it as any change proposal
(during.change_decide). The decision comes back (`mobility_agreement.change_decided`) and, when approved, the new
version to sign follows as usual (`mobility_agreement.proposed`). Mobility knows nothing of nodes beyond
`Institution.node`: it sends the signal `change_shared` inside its transaction and the federation writes the outbox
in that same transaction. The changes it tells:

- "proposed" (the host's node): `proposal` is the RemoteChangeProposal, `proposer` the User, `role` theirs;
- "decided" (home): `proposal` is the ChangeProposal that came from the host's node, now decided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, ValidationFailed, VersionConflict
from ortaq.inputs import LINE_MAX, plain_text
from ortaq.notifications.services import names, notify

from .models import ProposalState, ReasonCode, RemoteChangeProposal, RemoteMobilityAgreement
from .remote_agreement_services import _host_staff
from .remote_services import HOST_ROLES

if TYPE_CHECKING:
    from ortaq.accounts.types import Actor, User

change_shared = Signal()

OPEN_STATES = ("signing", "signed")  # the copy's states (as the home last told) in which a change may be proposed


def content_outcome_ids(row: RemoteMobilityAgreement) -> set[int]:
    """The learning outcomes (ids at home) the copy's content names: the only ones a proposed component may serve."""
    content = row.content if isinstance(row.content, dict) else {}
    return {o for c in content.get("components") or [] if isinstance(c, dict) for o in c.get("outcomes") or []
            if isinstance(o, int) and not isinstance(o, bool)}


def may_propose(actor: Actor, row: RemoteMobilityAgreement) -> bool:
    """The host's coordinators and company supervisors propose a change of a copy being signed or signed, one at a time."""
    return (row.state in OPEN_STATES and access_for(actor).has_role(row.nomination.host_id, *HOST_ROLES)
            and not row.change_proposals.filter(state=ProposalState.PENDING).exists())


@transaction.atomic
def remote_change_propose(*, actor: User, agreement: RemoteMobilityAgreement, components: list[dict], reason_code: str, comment: str = "",
                          expected_version: int) -> RemoteChangeProposal:
    """The host proposes a new list of components of the version it read; the proposal goes to the agreement's home
    node, which decides it. Only the host's staff (not a platform administrator), on the current version of a copy
    being signed or signed, one pending proposal at a time."""
    from .during import _clean_components

    row = RemoteMobilityAgreement.objects.select_for_update().select_related("nomination__host").get(pk=agreement.pk)
    if not access_for(actor).has_role(row.nomination.host_id, *HOST_ROLES):
        raise Forbidden(_("Only the host's staff propose a change here."))
    if expected_version != row.version:
        raise VersionConflict(row.version, _("The sending node has sent a newer version (%(version)d). Read it and propose again.") % {"version": row.version})
    if row.state not in OPEN_STATES:
        raise DomainError(_("A change is proposed to an agreement being signed or signed."), code="state")
    if row.change_proposals.filter(state=ProposalState.PENDING).exists():
        raise DomainError(_("A change proposed here still waits for the sending institution's decision."), code="pending")
    if reason_code not in ReasonCode.values:
        raise ValidationFailed({"reason_code": [str(_("Choose a reason for the change."))]})
    comment = plain_text(comment, name="comment", max_length=LINE_MAX)
    rows = _clean_components(components, allowed_outcomes=content_outcome_ids(row))
    proposal = RemoteChangeProposal.objects.create(agreement=row, base_version=row.version, reason_code=reason_code, comment=comment,
                                                   proposed_by=actor, components=[{**r, "credits": f"{r['credits']:.1f}"} for r in rows])  # as the content writes them
    audit_record(actor=actor, action="create", obj=proposal, after={"reason": reason_code, "base_version": row.version, "components": proposal.components})
    role = Role.COORDINATOR if access_for(actor).has_role(row.nomination.host_id, Role.COORDINATOR) else Role.COMPANY_SUPERVISOR
    change_shared.send(sender=RemoteChangeProposal, change="proposed", proposal=proposal, proposer=actor, role=str(role))
    return proposal


@transaction.atomic
def remote_change_apply_decision(*, node: str, home_id: str, proposal_id: int | None, approved: bool, response: str) -> RemoteChangeProposal | None:
    """The home node's decision on a change the host proposed here. Only that node decides its agreement's changes
    ("home_node"); the same decision again changes nothing (None), another one is refused ("state")."""
    proposal = (RemoteChangeProposal.objects.select_for_update().select_related("agreement__nomination__host")
                .filter(pk=proposal_id, agreement__home_id=home_id, agreement__nomination__home_node=node).first()) if proposal_id else None
    if proposal is None:
        raise DomainError(_("No change of this node's agreement was proposed here."), code="home_node")
    state = ProposalState.APPROVED if approved else ProposalState.REJECTED
    if proposal.state != ProposalState.PENDING:
        if proposal.state == state:
            return None
        raise DomainError(_("This proposal has already been decided."), code="state")
    proposal.state, proposal.response, proposal.decided_at = state, response, timezone.now()
    proposal.save(update_fields=["state", "response", "decided_at"])
    audit_record(actor=None, action="transition", obj=proposal, before={"state": ProposalState.PENDING},
                 after={"state": state, "response": response}, summary=f"by {node}")
    nomination = proposal.agreement.nomination
    staff = _host_staff(nomination)
    if staff:
        notify(recipients=staff, key="remote_change_approved" if approved else "remote_change_rejected",
               url=reverse("mobility:remote_agreement", args=[proposal.agreement_id]),
               params={"learner": nomination.learner_display, "host": names(nomination.host), "response": response})
    return proposal
