"""Nominations across nodes (issue 16): a nomination to a host another node hosts, and one received from another node.

Mobility knows nothing of nodes beyond `Institution.node`: it sends the signal `nomination_shared` inside its
transaction, and the federation (which receives it) writes the outbox in that same transaction, so a message exists
exactly when the change does. The changes it tells:

- "sent": nominations made here (round_publish) to a host on another node; `nominations` are Nomination rows;
- "withdrawn": standing nominations to such a host that no longer stand (superseded by a later round, declined by
  the learner, lapsed); `reason` is "superseded", "declined" or "lapsed";
- "decided": the host's decision here on a nomination received from another node; `nominations` are RemoteNomination
  rows.

The federation calls the other functions when a message arrives (through `ortaq.mobility.services`, which re-exports
them): `remote_nomination_receive`, `remote_nomination_withdraw` (on the host's node) and `nomination_decide_remote`
(on the nomination's home node). A DomainError with code "home_node" means the sender may not do this (not_home).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.institutions.selectors import institution_rows
from ortaq.notifications.services import names, notify, term, written

from .models import Nomination, NominationState, RemoteNomination

if TYPE_CHECKING:
    from ortaq.accounts.types import User

    from .types import RemoteNominationInput

nomination_shared = Signal()

HOST_ROLES = (Role.COORDINATOR, Role.COMPANY_SUPERVISOR)
STANDING = (NominationState.PENDING, NominationState.ACCEPTED)
BATCH = 2000


# --------------------------------------------------------------------------- this node nominates to another node's host


def remote_hosts(host_ids: Iterable[int]) -> set[int]:
    """Those of these hosts that another node hosts (mirrors, `Institution.node` set)."""
    ids = set(host_ids)
    return set(institution_rows(ids=ids).filter(node__isnull=False).values_list("pk", flat=True)) if ids else set()


def share_across_nodes(*, change: str, nomination_ids: list[int], reason: str = "") -> None:
    """Tell the federation, in the caller's transaction, of nominations to hosts on other nodes ("sent" or
    "withdrawn"): read in batches with what a message needs, so a national round stays a few queries per batch."""
    for start in range(0, len(nomination_ids), BATCH):
        rows = list(Nomination.objects.filter(pk__in=nomination_ids[start:start + BATCH])
                    .select_related("application__applicant", "application__call__owner", "option__condition", "option__offer", "host")
                    .order_by("id"))
        if rows:
            nomination_shared.send(sender=Nomination, change=change, nominations=rows, reason=reason)


def standing_remote(application_ids: list[int]) -> list[int]:
    """The standing nominations (pending or accepted) of these applications to hosts on other nodes."""
    return list(Nomination.objects.filter(application_id__in=application_ids, state__in=STANDING, host__node__isnull=False)
                .values_list("pk", flat=True))


def tell_decision(nomination: Nomination, *, accept: bool) -> None:
    """The applicant and the call's coordinators learn of the host's decision, each in their own language."""
    call = nomination.application.call
    coordinators = [m.user for m in memberships(institutions=[call.owner_id], roles=[Role.COORDINATOR]).select_related("user")]
    notify(recipients=[nomination.application.applicant, *coordinators], key="nomination_decided",
           params={"decision": term("accepted" if accept else "declined"), "call": written(call), "host": names(nomination.host),
                   "applicant": str(nomination.application.applicant)},
           url=reverse("mobility:call", args=[call.pk]))


@transaction.atomic
def nomination_decide_remote(*, nomination_id: int, node: str, accept: bool, reason: str = "") -> Nomination:
    """The host's decision, made on its node (`node`), on a nomination made here. Only the node hosting the
    nomination's host decides (else "home_node"); a nomination no longer pending is refused ("state")."""
    nomination = (Nomination.objects.select_for_update().select_related("application__applicant", "application__call", "host")
                  .filter(pk=nomination_id).first())
    if nomination is None or not nomination.host.node or nomination.host.node != node:
        raise DomainError(_("Only the host's node decides on this nomination."), code="home_node")
    if nomination.state != NominationState.PENDING:
        raise DomainError(_("This nomination has already been decided."), code="state")
    return host_decision_record(nomination, accept=accept, reason=reason, decided_by=None, summary=f"by {node}")


def host_decision_record(nomination: Nomination, *, accept: bool, reason: str, decided_by: User | None, summary: str = "") -> Nomination:
    """The host's decision on a pending nomination (its row locked by the caller), made here by `decided_by` or on the
    host's node (None): declining needs the reason the applicant reads; audited; the applicant and coordinators told."""
    reason = reason.strip()
    if not accept and not reason:
        raise ValidationFailed({"reason": [str(_("Give the reason for declining."))]})
    nomination.state = NominationState.ACCEPTED if accept else NominationState.DECLINED
    nomination.reason, nomination.decided_by, nomination.decided_at = reason, decided_by, timezone.now()
    nomination.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    audit_record(actor=decided_by, action="transition", obj=nomination, before={"state": NominationState.PENDING},
                 after={"state": nomination.state, "reason": reason}, summary=summary)
    tell_decision(nomination, accept=accept)
    return nomination


# --------------------------------------------------------------------------- another node nominates to a host here


def _hosted_here(nomination: RemoteNominationInput) -> None:
    if nomination.host.node:
        raise DomainError(_("The host of this nomination is not hosted on this node."), code="invalid")
    if nomination.sending.node != nomination.home_node:
        raise DomainError(_("Only the sending institution's node nominates its learners."), code="home_node")
    if not nomination.learner_name.strip() or not nomination.call_title.strip():
        raise ValidationFailed({"learner_name": [str(_("A nomination names its learner and its call."))]})


def _host_staff(row: RemoteNomination) -> list:
    return list({m.user_id: m.user for m in memberships(institutions=[row.host_id], roles=list(HOST_ROLES)).select_related("user")}.values())


@transaction.atomic
def remote_nomination_receive(*, nomination: RemoteNominationInput) -> RemoteNomination:
    """A nomination made on its home node to a host of this node: kept here for the host to decide, its staff told.
    The same nomination again (by its home node and id) changes nothing."""
    found = RemoteNomination.objects.filter(home_node=nomination.home_node, home_id=nomination.home_id).first()
    if found is not None:
        return found
    _hosted_here(nomination)
    row = RemoteNomination.objects.create(**{f.name: getattr(nomination, f.name) for f in fields(nomination)})
    audit_record(actor=None, action="create", obj=row, after={"state": row.state, "home": f"{row.home_node} #{row.home_id}"},
                 summary=f"from {row.home_node}")
    staff = _host_staff(row)
    if staff:
        notify(recipients=staff, key="remote_nomination_received", url=reverse("mobility:nominations"),
               params={"applicant": row.learner_display, "host": names(row.host), "sending": names(row.sending), "call": row.call_title,
                       "node": row.home_node})
    return row


@transaction.atomic
def remote_nomination_withdraw(*, node: str, home_id: str, reason: str) -> RemoteNomination:
    """The home node withdrew a nomination it made to a host here: a pending or accepted one is withdrawn, with the
    reason; a declined or already withdrawn one stays as it is. Only its home node withdraws it ("home_node")."""
    row = RemoteNomination.objects.select_for_update().filter(home_node=node, home_id=home_id).first()
    if row is None:
        raise DomainError(_("No nomination of this node is held here."), code="home_node")
    if row.state in STANDING:
        before = row.state
        row.state, row.reason, row.decided_at = NominationState.WITHDRAWN, reason, timezone.now()
        row.save(update_fields=["state", "reason", "decided_at"])
        audit_record(actor=None, action="transition", obj=row, before={"state": before}, after={"state": row.state, "reason": reason},
                     summary=f"by {node}")
        staff = _host_staff(row)
        if staff:
            notify(recipients=staff, key="remote_nomination_withdrawn", url=reverse("mobility:nominations"),
                   params={"applicant": row.learner_display, "host": names(row.host), "call": row.call_title})
    return row


@transaction.atomic
def remote_nomination_decide(*, actor: User, nomination: RemoteNomination, accept: bool, reason: str = "") -> RemoteNomination:
    """The host accepts or declines a nomination from another node (declining needs a reason, which the learner
    reads on her node); the decision goes to the nomination's home node through the federation."""
    access = access_for(actor)
    if not (access.is_admin or access.has_role(nomination.host_id, *HOST_ROLES)):
        raise Forbidden(_("Only the host decides on its nominations."))
    row = RemoteNomination.objects.select_for_update().get(pk=nomination.pk)  # two of the host's staff at once: one wins
    if row.state != NominationState.PENDING:
        raise DomainError(_("This nomination has already been decided."), code="state")
    reason = reason.strip()
    if not accept and not reason:
        raise ValidationFailed({"reason": [str(_("Give the reason for declining."))]})
    row.state = NominationState.ACCEPTED if accept else NominationState.DECLINED
    row.reason, row.decided_by, row.decided_at = reason, actor, timezone.now()
    row.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    audit_record(actor=actor, action="transition", obj=row, before={"state": NominationState.PENDING}, after={"state": row.state, "reason": reason})
    nomination_shared.send(sender=RemoteNomination, change="decided", nominations=[row], reason=reason)
    return row
