"""Writes to agreements: the lifecycle draft → proposed → approved → in effect → terminated.

Every content change makes a new version (its canonical JSON and SHA-256 kept) and voids approvals given to
earlier versions, so that what each party approved is exactly what is in force.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import DomainError, Forbidden, ValidationFailed, VersionConflict
from ortaq.inputs import model_checked, plain_text

from .models import (
    Agreement,
    AgreementApproval,
    AgreementKind,
    AgreementParty,
    AgreementState,
    AgreementVersion,
    CooperationCondition,
)
from .rules import agreement_terms_problems, as_errors, condition_terms_problems
from .selectors import current_approvals, may_draft_for, may_edit_agreement, parties_of
from .types import (
    AGREEMENT_FIELDS,
    CONDITION_FIELDS,
    AgreementChange,
    AgreementTerms,
    ConditionTerms,
    RemoteApproval,
    RemoteVersion,
)
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ortaq.accounts.types import User
    from ortaq.institutions.types import Institution


# Sent inside the service's transaction after a change parties on other nodes must learn about, with
# `agreement`, `change` (AgreementChange) and `approval` (or None). The federation listens (ortaq.federation.apps)
# and writes its outbox in the same transaction; this app knows nothing of nodes beyond `home_node`.
agreement_shared = Signal()


def _share(agreement: Agreement, change: AgreementChange, approval: AgreementApproval | None = None) -> None:
    agreement_shared.send(sender=Agreement, agreement=agreement, change=change, approval=approval)


def _require_home(agreement: Agreement) -> None:
    if agreement.home_node:
        raise DomainError(_("This agreement is managed on its home node (%(node)s); only its parties' approvals are given here.")
                          % {"node": agreement.home_node}, code="home_node")


def canonical_content(agreement: Agreement) -> dict[str, Any]:
    """What parties approve: the agreement's terms, its parties and its conditions, in a stable order."""
    parties = sorted(
        ({"id": inst.pk, "name": inst.name_original, "name_latin": inst.name_latin} for inst in parties_of(agreement)),
        key=lambda p: p["id"],
    )
    conditions = [
        {f: (getattr(c, f + "_id") if f in {"sending", "receiving"} else getattr(c, f)) for f in CONDITION_FIELDS}
        for c in agreement.conditions.order_by("id")
    ]
    head = {f: getattr(agreement, f) for f in AGREEMENT_FIELDS}
    return {**head, "initiator": agreement.initiator_id, "parties": parties, "conditions": conditions}


def canonical_sha256(content: dict[str, Any]) -> str:
    # Sorted keys, no insignificant white space, UTF-8: for content made only of strings, integers, lists and
    # objects this equals the JSON Canonicalization Scheme (RFC 8785), so anyone can recompute the digest.
    data = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _new_version(agreement: Agreement, *, actor, bump: bool = True) -> AgreementVersion:
    if bump:
        agreement.version += 1
        agreement.save(update_fields=["version", "updated_at"])
        voided = agreement.approvals.filter(voided_at__isnull=True, version__lt=agreement.version).update(
            voided_at=timezone.now()
        )
        if agreement.state == AgreementState.APPROVED:
            agreement.state = AgreementState.PROPOSED
            agreement.save(update_fields=["state", "updated_at"])
        if voided:
            audit_record(actor=actor, action="transition", obj=agreement, summary=f"{voided} approval(s) voided by an edit")
    agreement = Agreement.objects.prefetch_related("party_links__institution").get(pk=agreement.pk)
    content = canonical_content(agreement)
    version = AgreementVersion.objects.create(
        agreement=agreement, number=agreement.version, content=content, sha256=canonical_sha256(content), created_by=actor
    )
    if agreement.state == AgreementState.PROPOSED:  # the partners approve the new version, wherever they are
        _share(agreement, AgreementChange.PROPOSED)
    return version


def _check_parties(kind: str, initiator: Institution, parties: list[Institution]) -> None:
    if initiator not in parties:
        parties.insert(0, initiator)
    if len(parties) < 2:
        raise ValidationFailed({"parties": [str(_("An agreement needs at least two parties."))]})


def _checked_terms(agreement: Agreement, terms: AgreementTerms) -> None:
    """Set the terms on the (unsaved) row, or ValidationFailed with every broken rule."""
    for name, value in asdict(terms).items():
        setattr(agreement, name, value)
    model_checked(agreement, exclude=("initiator",), errors=as_errors(agreement_terms_problems(terms)))


@transaction.atomic
def agreement_create(*, actor: User, terms: AgreementTerms, initiator: Institution, parties: list[Institution]) -> Agreement:
    if not may_draft_for(actor=actor, institution=initiator):
        raise Forbidden(_("Only a coordinator of the initiating institution can draft its agreements."))
    agreement = Agreement(initiator=initiator, created_by=actor)
    _checked_terms(agreement, terms)
    parties = list(dict.fromkeys(parties))
    _check_parties(terms.kind, initiator, parties)
    agreement.save()
    AgreementParty.objects.bulk_create([AgreementParty(agreement=agreement, institution=p) for p in parties])
    _new_version(agreement, actor=actor, bump=False)
    audit_record(actor=actor, action="create", obj=agreement, after=canonical_content(agreement))
    return agreement


def _lock(agreement: Agreement, expected_version: int | None) -> Agreement:
    """Re-read the row under a lock and refuse edits based on a version someone else has replaced."""
    fresh = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise VersionConflict(
            fresh.version,
            _("Someone else changed this agreement (now version %(version)d). Reload it and apply your change again.")
            % {"version": fresh.version},
        )
    return fresh


def _require_edit(actor, agreement: Agreement) -> None:
    _require_home(agreement)
    if agreement.state in (AgreementState.IN_EFFECT, AgreementState.TERMINATED):
        raise DomainError(_("An agreement in effect or terminated can no longer be edited."), code="locked")
    if not may_edit_agreement(actor=actor, agreement=agreement):
        raise Forbidden()


@transaction.atomic
def agreement_update(
    *, actor: User, agreement: Agreement, terms: AgreementTerms, parties: list[Institution] | None = None,
    expected_version: int | None = None,
) -> Agreement:
    """The agreement with these terms (all of them: an edit of one value passes
    `dataclasses.replace(AgreementTerms.of(agreement), ...)`)."""
    agreement = _lock(agreement, expected_version)
    _require_edit(actor, agreement)
    before = canonical_content(agreement)
    if terms != AgreementTerms.of(agreement):  # an edit that changes nothing writes nothing
        _checked_terms(agreement, terms)
        agreement.save()
    if parties is not None:
        parties = list(dict.fromkeys(parties))
        _check_parties(agreement.kind, agreement.initiator, parties)
        used = set(agreement.conditions.values_list("sending_id", flat=True)) | set(
            agreement.conditions.values_list("receiving_id", flat=True)
        )
        if used - {p.pk for p in parties}:
            raise ValidationFailed({"parties": [str(_("Remove the conditions of an institution before removing it as a party."))]})
        AgreementParty.objects.filter(agreement=agreement).exclude(institution__in=parties).delete()
        existing = set(AgreementParty.objects.filter(agreement=agreement).values_list("institution_id", flat=True))
        AgreementParty.objects.bulk_create(
            [AgreementParty(agreement=agreement, institution=p) for p in parties if p.pk not in existing]
        )
    agreement = Agreement.objects.prefetch_related("party_links__institution").get(pk=agreement.pk)
    after = canonical_content(agreement)
    if after != before:
        _new_version(agreement, actor=actor)
        audit_record(actor=actor, action="update", obj=agreement, before=before, after=after)
    return Agreement.objects.get(pk=agreement.pk)


def _checked_condition(agreement: Agreement, condition: CooperationCondition, terms: ConditionTerms) -> CooperationCondition:
    """Set the terms on the condition, or ValidationFailed with every broken rule; checked against the
    agreement as it is now (locked), not as the edge read it."""
    for name, value in asdict(terms).items():
        setattr(condition, name, value)
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    problems = condition_terms_problems(
        terms, agreement_years=(agreement.start_year, agreement.end_year, agreement.academic_years), party_ids=party_ids
    )
    model_checked(condition, exclude=("agreement",), errors=as_errors(problems))
    return condition


@transaction.atomic
def condition_add(
    *, actor: User, agreement: Agreement, terms: ConditionTerms, expected_version: int | None = None
) -> CooperationCondition:
    agreement = _lock(agreement, expected_version)
    _require_edit(actor, agreement)
    condition = _checked_condition(agreement, CooperationCondition(agreement=agreement), terms)
    condition.save()
    _new_version(agreement, actor=actor)
    audit_record(actor=actor, action="create", obj=condition, after=snapshot(condition), summary=str(agreement))
    return condition


@transaction.atomic
def condition_update(
    *, actor: User, condition: CooperationCondition, terms: ConditionTerms, expected_version: int | None = None
) -> CooperationCondition:
    """The condition with these terms (all of them: `dataclasses.replace(ConditionTerms.of(condition), ...)`)."""
    agreement = _lock(condition.agreement, expected_version)
    _require_edit(actor, agreement)
    before = snapshot(condition)
    condition = _checked_condition(agreement, condition, terms)
    condition.save()
    after = snapshot(condition)
    if before != after:
        _new_version(agreement, actor=actor)
        audit_record(actor=actor, action="update", obj=condition, before=before, after=after, summary=str(agreement))
    return condition


@transaction.atomic
def condition_remove(*, actor: User, condition: CooperationCondition, expected_version: int | None = None) -> None:
    agreement = _lock(condition.agreement, expected_version)
    _require_edit(actor, agreement)
    audit_record(actor=actor, action="delete", obj=condition, before=snapshot(condition), summary=str(agreement))
    condition.delete()
    _new_version(agreement, actor=actor)


def _transition(actor, agreement: Agreement, new_state: str, summary: str = "") -> Agreement:
    old = agreement.state
    agreement.state = new_state
    agreement.save(update_fields=["state", "updated_at", "terminated_reason"])
    audit_record(actor=actor, action="transition", obj=agreement, before={"state": old}, after={"state": new_state}, summary=summary)
    return agreement


@transaction.atomic
def agreement_propose(*, actor: User, agreement: Agreement) -> Agreement:
    agreement = _lock(agreement, None)
    access = access_for(actor)
    if not (access.is_admin or agreement.initiator_id in access.manages):
        raise Forbidden(_("Only the initiating institution can propose its draft to the partners."))
    if agreement.state != AgreementState.DRAFT:
        raise DomainError(_("Only a draft can be proposed."), code="state")
    if agreement.kind == AgreementKind.INTER_INSTITUTIONAL and not agreement.conditions.exists():
        raise DomainError(_("Add at least one cooperation condition before proposing an inter-institutional agreement."), code="no_conditions")
    agreement = _transition(actor, agreement, AgreementState.PROPOSED)
    _share(agreement, AgreementChange.PROPOSED)
    return agreement


@transaction.atomic
def agreement_approve(*, actor: User, agreement: Agreement, institution: Institution, expected_version: int | None = None) -> AgreementApproval:
    agreement = _lock(agreement, expected_version)
    access = access_for(actor)
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    if institution.pk not in party_ids:
        raise DomainError(_("%(institution)s is not a party to this agreement.") % {"institution": institution}, code="not_party")
    if not (access.is_admin or institution.pk in access.manages):
        raise Forbidden(_("Only a coordinator of %(institution)s can approve for it.") % {"institution": institution})
    if institution.node:  # a party hosted by another node approves there; its approval comes from that node
        raise DomainError(_("%(institution)s approves on its own node (%(node)s).") % {"institution": institution, "node": institution.node},
                          code="home_node")
    if agreement.state != AgreementState.PROPOSED:
        raise DomainError(_("Only a proposed agreement can be approved."), code="state")
    if current_approvals(agreement).filter(institution=institution).exists():
        raise DomainError(
            _("%(institution)s has already approved version %(version)d.") % {"institution": institution, "version": agreement.version},
            code="already_approved",
        )
    version = agreement.versions.get(number=agreement.version)
    approval = AgreementApproval.objects.create(
        agreement=agreement, institution=institution, version=agreement.version, sha256=version.sha256, approved_by=actor
    )
    audit_record(
        actor=actor, action="approve", obj=agreement,
        after={"institution": institution.pk, "version": agreement.version, "sha256": version.sha256},
        summary=str(institution),
    )
    # On a copy, the home node decides when every party has approved and sends the state back.
    if not agreement.home_node and not (party_ids - set(current_approvals(agreement).values_list("institution_id", flat=True))):
        _transition(actor, agreement, AgreementState.APPROVED, summary="all parties approved")
    _share(agreement, AgreementChange.APPROVED, approval)
    return approval


@transaction.atomic
def agreement_put_into_effect(*, actor: User, agreement: Agreement) -> Agreement:
    agreement = _lock(agreement, None)
    access = access_for(actor)
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    if not (access.is_admin or access.manages & party_ids):
        raise Forbidden()
    _require_home(agreement)
    if agreement.state != AgreementState.APPROVED:
        raise DomainError(_("Only an agreement approved by every party can be put into effect."), code="state")
    agreement = _transition(actor, agreement, AgreementState.IN_EFFECT)
    _share(agreement, AgreementChange.STATE)
    return agreement


@transaction.atomic
def agreement_terminate(*, actor: User, agreement: Agreement, reason: str) -> Agreement:
    agreement = _lock(agreement, None)
    access = access_for(actor)
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    if not (access.is_admin or access.manages & party_ids):
        raise Forbidden()
    _require_home(agreement)
    if agreement.state != AgreementState.IN_EFFECT:
        raise DomainError(_("Only an agreement in effect can be terminated."), code="state")
    reason = plain_text(reason, name="reason", required_message=_("State the reason for termination."))
    agreement.terminated_reason = reason
    agreement = _transition(actor, agreement, AgreementState.TERMINATED, summary=reason[:200])
    _share(agreement, AgreementChange.STATE)
    return agreement


# --------------------------------------------------------------------------- agreements whose home is another node
# The federation calls these when a trusted peer's message arrives (the actor is None, the audit names the node).
# A copy holds the home node's content verbatim, with the same version numbers and SHA-256; only its home node
# changes it, and the parties hosted here approve it here.


def _mismatch(what: str) -> DomainError:
    return DomainError(_("The home node's agreement does not match: %(what)s.") % {"what": what}, code="content_mismatch")


def _mapped(remote: RemoteVersion, ref: object) -> Institution:
    try:
        return remote.institutions[int(ref)]  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError) as error:
        raise _mismatch(f"institution {ref!r} is not among the parties sent") from error


def _copy_terms(remote: RemoteVersion) -> tuple[AgreementTerms, Institution, list[Institution], list[ConditionTerms]]:
    content = remote.content
    try:
        terms = AgreementTerms(**{name: content[name] for name in AGREEMENT_FIELDS})
        parties = [_mapped(remote, party["id"]) for party in content["parties"]]
        conditions = [
            ConditionTerms(**{(f"{f}_id" if f in {"sending", "receiving"} else f): row[f] for f in CONDITION_FIELDS})
            for row in content["conditions"]
        ]
    except (KeyError, TypeError) as error:
        raise _mismatch(f"the content lacks {error}") from error
    conditions = [replace(c, sending_id=_mapped(remote, c.sending_id).pk, receiving_id=_mapped(remote, c.receiving_id).pk) for c in conditions]
    return terms, _mapped(remote, content.get("initiator")), parties, conditions


@transaction.atomic
def agreement_receive_remote(*, remote: RemoteVersion, agreement: Agreement | None = None) -> Agreement:
    """The local copy of a version proposed on its home node: created, or brought to this newer version (the
    approvals of older versions voided, as on the home node). The SHA-256 is recomputed over the content received
    and the copy refused if it differs; an older or the same version again changes nothing."""
    if canonical_sha256(dict(remote.content)) != remote.sha256:
        raise _mismatch("its SHA-256 is not the hash of its content")
    if agreement is not None:
        agreement = _lock(agreement, None)
        if agreement.home_node != remote.home_node:
            raise DomainError(_("Only the agreement's home node can change it."), code="home_node")
        current = agreement.versions.filter(number=agreement.version).first()
        if remote.version < agreement.version or (remote.version == agreement.version and current and current.sha256 == remote.sha256):
            return agreement
        if remote.version == agreement.version:
            raise _mismatch("version %d was sent with two different contents" % remote.version)
    terms, initiator, parties, conditions = _copy_terms(remote)
    if all(party.node for party in parties):
        raise _mismatch("none of its parties is hosted here")
    before = canonical_content(agreement) if agreement is not None else None
    agreement = agreement or Agreement(initiator=initiator, home_node=remote.home_node)
    agreement.initiator, agreement.version, agreement.state = initiator, remote.version, AgreementState.PROPOSED
    for name, value in asdict(terms).items():
        setattr(agreement, name, value)
    # Checked as a local draft is, except that no person here created it.
    model_checked(agreement, exclude=("initiator", "created_by"), errors=as_errors(agreement_terms_problems(terms)))
    agreement.save()
    AgreementParty.objects.filter(agreement=agreement).exclude(institution__in=parties).delete()
    existing = set(AgreementParty.objects.filter(agreement=agreement).values_list("institution_id", flat=True))
    AgreementParty.objects.bulk_create([AgreementParty(agreement=agreement, institution=p) for p in dict.fromkeys(parties) if p.pk not in existing])
    agreement.conditions.all().delete()
    for terms_of_condition in conditions:
        _checked_condition(agreement, CooperationCondition(agreement=agreement), terms_of_condition).save()
    agreement.approvals.filter(voided_at__isnull=True, version__lt=remote.version).update(voided_at=timezone.now())
    AgreementVersion.objects.create(agreement=agreement, number=remote.version, content=dict(remote.content), sha256=remote.sha256)
    audit_record(actor=None, action="create" if before is None else "update", obj=agreement, before=before,
                 after={"version": remote.version, "sha256": remote.sha256}, summary=f"from {remote.home_node}"[:300])
    return agreement


@transaction.atomic
def agreement_approve_remote(*, agreement: Agreement, institution: Institution, node: str, version: int, sha256: str) -> AgreementApproval | None:
    """On the home node: the approval a party gave on its own node (`node`, which must host it). An approval of
    a version that has since been replaced, or of an agreement no longer proposed, is recorded in the audit trail
    and has no effect; the same approval again changes nothing."""
    agreement = _lock(agreement, None)
    _require_home(agreement)
    if institution.node != node:
        raise DomainError(_("Only %(institution)s's own node can approve for it.") % {"institution": institution}, code="home_node")
    if not agreement.party_links.filter(institution=institution).exists():
        raise DomainError(_("%(institution)s is not a party to this agreement.") % {"institution": institution}, code="not_party")
    current = agreement.versions.get(number=agreement.version)
    if agreement.state != AgreementState.PROPOSED or version != agreement.version:
        audit_record(actor=None, action="approve", obj=agreement, after={"institution": institution.pk, "version": version, "ignored": True},
                     summary=f"stale approval from {node}"[:300])
        return None
    if sha256 != current.sha256:
        raise _mismatch(f"version {version} has another SHA-256 here")
    found = current_approvals(agreement).filter(institution=institution).first()
    if found is not None:
        return found
    approval = AgreementApproval.objects.create(agreement=agreement, institution=institution, version=version, sha256=sha256, approved_by=None)
    audit_record(actor=None, action="approve", obj=agreement, after={"institution": institution.pk, "version": version, "sha256": sha256},
                 summary=f"{institution} on {node}"[:300])
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    if not (party_ids - set(current_approvals(agreement).values_list("institution_id", flat=True))):
        _transition(None, agreement, AgreementState.APPROVED, summary="all parties approved")
    _share(agreement, AgreementChange.APPROVED, approval)
    return approval


@transaction.atomic
def agreement_apply_remote_state(
    *, agreement: Agreement, node: str, version: int, sha256: str, state: str, approvals: list[RemoteApproval], reason: str = ""
) -> Agreement:
    """On a copy: the state and approvals its home node (`node`) now records. A message about an older version
    changes nothing (a newer one is on its way or here)."""
    agreement = _lock(agreement, None)
    if agreement.home_node != node:
        raise DomainError(_("Only the agreement's home node can change it."), code="home_node")
    if version < agreement.version:
        return agreement
    current = agreement.versions.filter(number=agreement.version).first()
    if version != agreement.version or current is None or current.sha256 != sha256:
        raise _mismatch(f"version {version} is not the one held here")
    if state not in AgreementState.values or state == AgreementState.DRAFT:
        raise _mismatch(f"unknown state {state!r}")
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    approved = set(current_approvals(agreement).values_list("institution_id", flat=True))
    for given in approvals:
        if given.version == version and given.sha256 == sha256 and given.institution.pk in party_ids - approved:
            AgreementApproval.objects.create(agreement=agreement, institution=given.institution, version=version, sha256=sha256, approved_by=None)
            approved.add(given.institution.pk)
            audit_record(actor=None, action="approve", obj=agreement, after={"institution": given.institution.pk, "version": version,
                                                                              "sha256": sha256}, summary=f"{given.institution} via {node}"[:300])
    if state != agreement.state:
        agreement.terminated_reason = str(reason)[:5000] if state == AgreementState.TERMINATED else agreement.terminated_reason
        _transition(None, agreement, state, summary=f"on {node}"[:300])
    return agreement
