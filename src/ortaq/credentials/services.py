"""Registrars' writes: issuance batches (approved, then run in the background), revocation and suspension;
holders' writes: share codes. Permission-checked and audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, ValidationFailed

from . import issuance
from .keys import issuer_ensure
from .models import BatchState, CredentialKind, CredentialState, IssuanceBatch, IssuedCredential, ShareCode, SharedSet
from .selectors import may_approve_batch
from typing import TYPE_CHECKING
from .signals import issuer_document_changed, status_lists_changed  # noqa: F401 (the federation listens)
from .status_lists import mark_stale
from .tasks import run_batch

# Issuance services that live in their own modules (they are long); other apps call them from here.
from .issuance import micro_credential_issue  # noqa: F401
# Issuers of other nodes, for the federation's `credentials.*` messages (docs/federation.md).
from .federation_documents import (  # noqa: F401
    RemoteRefused, issuer_payload, issuers_published, remote_issuer_store, remote_status_list_store, status_list_payloads,
)
from .transcripts import host_transcript_issue, host_transcript_read, transcript_issue  # noqa: F401

if TYPE_CHECKING:
    from collections.abc import Iterable
    from ortaq.accounts.types import User
    from ortaq.programmes.types import Module, Programme


def _registrar_of(actor, institution_id: int) -> bool:
    access = access_for(actor)
    return access.is_admin or access.has_role(institution_id, Role.REGISTRAR)


@transaction.atomic
def batch_request(*, actor: User, programme: Programme, holders: Iterable[User], graduation_date: dt.date, kind: str = CredentialKind.DIPLOMA, module: Module | None = None) -> IssuanceBatch:
    """A registrar prepares a cohort's credentials; a registrar approves before anything is signed."""
    awarding = list(programme.awarding_institutions.all())
    institution = next((i for i in awarding if _registrar_of(actor, i.pk)), None)
    if institution is None:
        raise Forbidden(_("Only a registrar of an awarding institution can prepare its credentials."))
    holders = list(holders)
    if not holders:
        raise ValidationFailed({"holders": [str(_("Choose at least one graduate."))]})
    members = set(memberships(institutions=awarding, roles=[Role.STUDENT]).filter(user__in=holders).values_list("user_id", flat=True))
    strangers = [h for h in holders if h.pk not in members]
    if strangers:
        raise ValidationFailed({"holders": [str(_("%(name)s is not a student of an awarding institution.") % {"name": strangers[0]})]})
    issuer = issuer_ensure(actor=actor, institution=sorted(awarding, key=lambda i: (i.kind != "joint_college", i.pk))[0])
    batch = IssuanceBatch.objects.create(kind=kind, issuer=issuer, programme=programme, module=module, graduation_date=graduation_date,
                                         requested_by=actor, total=len(holders))
    batch.holders.set(holders)
    audit_record(actor=actor, action="create", obj=batch, after={"kind": kind, "programme": programme.pk, "holders": [h.pk for h in holders]})
    return batch


@transaction.atomic
def batch_approve(*, actor: User, batch: IssuanceBatch) -> IssuanceBatch:
    batch = IssuanceBatch.objects.select_for_update().select_related("issuer").get(pk=batch.pk)
    if not may_approve_batch(actor=actor, batch=batch):
        if actor.pk == batch.requested_by_id:
            raise Forbidden(_("Another registrar or an administrator approves a batch you prepared."))
        raise Forbidden(_("Only a registrar can approve issuance."))
    if batch.state != BatchState.REQUESTED:
        raise DomainError(_("This batch is not awaiting approval."), code="state")
    batch.state, batch.approved_by = BatchState.APPROVED, actor
    batch.save(update_fields=["state", "approved_by"])
    audit_record(actor=actor, action="approve", obj=batch,
                 after={"state": "approved", "approved_alone": actor.pk == batch.requested_by_id})
    transaction.on_commit(lambda: run_batch.enqueue(batch.pk))
    return batch


def batch_run(batch_id: int) -> IssuanceBatch:
    """Issue every credential of the batch and render each one's PDF certificate. Safe to run again after a
    crash: issued ones are found by their idempotency key and skipped (their PDF rendered if it is missing), so
    a resumed batch neither loses nor duplicates anything. What is the same for every credential of the batch
    (issuers, keys, achievement, status-list indexes taken) is loaded once: see issuance.BatchCache."""
    from .pdf import credential_pdf_store

    batch = IssuanceBatch.objects.select_related("programme", "module", "approved_by", "issuer__institution").get(pk=batch_id)
    if batch.state not in (BatchState.APPROVED, BatchState.RUNNING, BatchState.FAILED):
        return batch
    IssuanceBatch.objects.filter(pk=batch_id).update(state=BatchState.RUNNING)
    done = 0
    try:
        with issuance.batch_cache():
            for holder in batch.holders.order_by("pk"):
                # The credential and its audit line are committed together: a worker killed between the two
                # must not leave a signed credential nobody recorded issuing.
                with transaction.atomic():
                    if batch.kind == CredentialKind.MODULE:
                        record = issuance.module_certificate_issue(actor=batch.approved_by, module=batch.module, holder=holder,
                                                                   issuer_institution=batch.issuer.institution, date=batch.graduation_date, batch=batch)
                    else:
                        record = issuance.diploma_issue(actor=batch.approved_by, programme=batch.programme, holder=holder,
                                                        graduation_date=batch.graduation_date, batch=batch)
                if not record.pdf:
                    credential_pdf_store(record)
                done += 1
                IssuanceBatch.objects.filter(pk=batch_id).update(done=done)
    except Exception as error:
        IssuanceBatch.objects.filter(pk=batch_id).update(state=BatchState.FAILED, error=str(error)[:2000])
        raise
    IssuanceBatch.objects.filter(pk=batch_id).update(state=BatchState.DONE, done=done)
    return IssuanceBatch.objects.get(pk=batch_id)


@transaction.atomic
def credential_set_state(*, actor: User, credential: IssuedCredential, state: str, reason: str) -> IssuedCredential:
    """Revoke (final), suspend or reinstate, with a reason; the issuer's status lists are rebuilt."""
    if not _registrar_of(actor, credential.issuer.institution_id):
        raise Forbidden(_("Only a registrar of the issuing institution can change a credential's status."))
    if state not in CredentialState.values:
        raise ValidationFailed({"state": [str(_("Unknown status."))]})
    if not reason.strip():
        raise ValidationFailed({"reason": [str(_("State the reason."))]})
    # Re-read under a row lock: a reinstatement racing a revocation must not write "valid" over "revoked".
    credential = IssuedCredential.objects.select_for_update().select_related("issuer").get(pk=credential.pk)
    if credential.state == CredentialState.REVOKED:
        raise DomainError(_("A revoked credential cannot be changed again."), code="revoked")
    before = credential.state
    credential.state, credential.state_reason = state, reason.strip()
    credential.save(update_fields=["state", "state_reason"])
    # The copies its holder took into wallets (credentials.exchanges) follow it: same state, same reason.
    IssuedCredential.objects.filter(wallet_claim__credential=credential).exclude(state=CredentialState.REVOKED).update(state=state, state_reason=reason.strip())
    mark_stale(credential.issuer)
    audit_record(actor=actor, action="transition", obj=credential, before={"state": before}, after={"state": state, "reason": reason.strip()})
    status_lists_changed.send(sender=IssuedCredential, issuer=credential.issuer)
    return credential


def credential_status_bit_set(*, actor: User, credential: IssuedCredential, purpose: str, on: bool, reason: str) -> IssuedCredential:
    """VC-API "update credential status" in the platform's terms: set (`on`) or clear the revocation or suspension
    bit. Setting what is already set changes nothing; every change goes through credential_set_state (registrar of
    the issuer, revocation final, audited), which refuses clearing a revocation or touching a revoked credential."""
    current = credential.state
    if purpose == "revocation":
        target = CredentialState.REVOKED if on else (CredentialState.VALID if current == CredentialState.REVOKED else current)
    elif purpose == "suspension":
        target = CredentialState.SUSPENDED if on else (current if current == CredentialState.VALID else CredentialState.VALID)
    else:
        raise ValidationFailed({"statusPurpose": [str(_("Unknown status."))]})
    if target == current:
        return credential
    return credential_set_state(actor=actor, credential=credential, state=target, reason=reason)


@transaction.atomic
def share_code_create(*, actor: User, credential: IssuedCredential, days: int) -> ShareCode:
    if credential.holder_id != actor.pk:
        raise Forbidden()
    if not 1 <= int(days) <= 180:
        raise ValidationFailed({"days": [str(_("A share code lasts from 1 to 180 days."))]})
    code = ShareCode.objects.create(credential=credential, code=_share_code(), expires_at=timezone.now() + dt.timedelta(days=int(days)))
    IssuedCredential.objects.filter(pk=credential.pk).update(share_count=F("share_count") + 1)
    audit_record(actor=actor, action="create", obj=code, after={"credential": str(credential.public_id), "days": int(days)})
    return code


@transaction.atomic
def share_code_revoke(*, actor: User, share_code: ShareCode) -> ShareCode:
    if share_code.credential.holder_id != actor.pk:
        raise Forbidden()
    share_code.revoked_at = timezone.now()
    share_code.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="transition", obj=share_code, after={"revoked": True})
    return share_code


def _share_code() -> str:
    """A new code that is neither a share code nor a shared set's (both open the same /verify/<code> address)."""
    while True:
        code = issuance.new_code(8)
        if not (ShareCode.objects.filter(code=code).exists() or SharedSet.objects.filter(code=code).exists()):
            return code


SHARED_SET_MAX = 30


@transaction.atomic
def shared_set_create(*, actor: User, credentials: Iterable[IssuedCredential], days: int) -> SharedSet:
    """Several of the holder's credentials under one code: the verifier sees each verified on its own."""
    chosen = list({c.pk: c for c in credentials}.values())
    if any(c.holder_id != actor.pk for c in chosen):
        raise Forbidden()
    if not 1 <= len(chosen) <= SHARED_SET_MAX:
        raise ValidationFailed({"credentials": [str(_("Choose from 1 to %(n)s of your credentials.") % {"n": SHARED_SET_MAX})]})
    if not 1 <= int(days) <= 180:
        raise ValidationFailed({"days": [str(_("A share code lasts from 1 to 180 days."))]})
    shared = SharedSet.objects.create(holder=actor, code=_share_code(), expires_at=timezone.now() + dt.timedelta(days=int(days)))
    shared.credentials.set(chosen)
    IssuedCredential.objects.filter(pk__in=[c.pk for c in chosen]).update(share_count=F("share_count") + 1)
    audit_record(actor=actor, action="create", obj=shared, after={"credentials": [str(c.public_id) for c in chosen], "days": int(days)})
    return shared


@transaction.atomic
def shared_set_revoke(*, actor: User, shared_set: SharedSet) -> SharedSet:
    if shared_set.holder_id != actor.pk:
        raise Forbidden()
    shared_set.revoked_at = timezone.now()
    shared_set.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="transition", obj=shared_set, after={"revoked": True})
    return shared_set


def credential_reprint(*, actor: User, credential: IssuedCredential) -> IssuedCredential:
    """Render the stored PDF certificate again (after a font or name-form fix, or when the file was lost); the
    signed credential itself is never changed. A registrar of the issuing institution does it."""
    from .pdf import credential_pdf_store

    if not _registrar_of(actor, credential.issuer.institution_id):
        raise Forbidden(_("Only a registrar of the issuing institution can reprint a certificate."))
    credential_pdf_store(credential)  # rendering takes a second: outside the transaction that audits it
    with transaction.atomic():
        audit_record(actor=actor, action="update", obj=credential, after={"pdf": credential.pdf.name}, summary="reprint")
    return credential
