"""Writes to agreements: the lifecycle draft → proposed → approved → in effect → terminated.

Every content change makes a new version (its canonical JSON and SHA-256 kept) and voids approvals given to
earlier versions, so that what each party approved is exactly what is in force.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import DomainError, Forbidden, ValidationFailed
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
from .types import AGREEMENT_FIELDS, CONDITION_FIELDS, AgreementTerms, ConditionTerms
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ortaq.accounts.types import User
    from ortaq.institutions.types import Institution


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
    return AgreementVersion.objects.create(
        agreement=agreement, number=agreement.version, content=content, sha256=canonical_sha256(content), created_by=actor
    )


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
        raise DomainError(
            _("Someone else changed this agreement (now version %(version)d). Reload it and apply your change again.")
            % {"version": fresh.version},
            code="stale_version",
        )
    return fresh


def _require_edit(actor, agreement: Agreement) -> None:
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
    return _transition(actor, agreement, AgreementState.PROPOSED)


@transaction.atomic
def agreement_approve(*, actor: User, agreement: Agreement, institution: Institution, expected_version: int | None = None) -> AgreementApproval:
    agreement = _lock(agreement, expected_version)
    access = access_for(actor)
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    if institution.pk not in party_ids:
        raise DomainError(_("%(institution)s is not a party to this agreement.") % {"institution": institution}, code="not_party")
    if not (access.is_admin or institution.pk in access.manages):
        raise Forbidden(_("Only a coordinator of %(institution)s can approve for it.") % {"institution": institution})
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
    if not (party_ids - set(current_approvals(agreement).values_list("institution_id", flat=True))):
        _transition(actor, agreement, AgreementState.APPROVED, summary="all parties approved")
    return approval


@transaction.atomic
def agreement_put_into_effect(*, actor: User, agreement: Agreement) -> Agreement:
    agreement = _lock(agreement, None)
    access = access_for(actor)
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    if not (access.is_admin or access.manages & party_ids):
        raise Forbidden()
    if agreement.state != AgreementState.APPROVED:
        raise DomainError(_("Only an agreement approved by every party can be put into effect."), code="state")
    return _transition(actor, agreement, AgreementState.IN_EFFECT)


@transaction.atomic
def agreement_terminate(*, actor: User, agreement: Agreement, reason: str) -> Agreement:
    agreement = _lock(agreement, None)
    access = access_for(actor)
    party_ids = set(agreement.party_links.values_list("institution_id", flat=True))
    if not (access.is_admin or access.manages & party_ids):
        raise Forbidden()
    if agreement.state != AgreementState.IN_EFFECT:
        raise DomainError(_("Only an agreement in effect can be terminated."), code="state")
    reason = plain_text(reason, name="reason", required_message=_("State the reason for termination."))
    agreement.terminated_reason = reason
    return _transition(actor, agreement, AgreementState.TERMINATED, summary=reason[:200])
