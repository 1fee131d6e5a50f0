"""Transcripts of records as CLR 2.0 credentials: one signed course badge per recognised module, bundled
in a ClrCredential signed by the home institution, with its own revocation and suspension entries."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction

import ortaq.engines.credentials as creds
from ortaq.audit.services import audit_record

from .issuance import _holder_identity, _institution_names, _stamp, new_code
from .keys import issuer_ensure, signing_key
from .models import CredentialKind, IssuedCredential
from .status_lists import allocate_indexes, list_url


def transcript_issue(*, actor, issuer_institution, holder, idempotency_key: str, title: dict, entries: list[dict], date: dt.date) -> IssuedCredential:
    """`entries`: [{"code", "title": {lang: text}, "credits": float, "grade": str}] — the modules on the transcript."""
    existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    issuer = issuer_ensure(actor=None, institution=issuer_institution)
    key = signing_key(issuer)
    profile = creds.issuer_profile(issuer.did, _institution_names(issuer_institution))
    subject_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.SITE_ROOT}/people/{holder.pk}')}"
    courses = []
    for entry in entries:
        achievement = creds.build_achievement(
            f"{settings.SITE_ROOT}/transcripts/{idempotency_key.replace(':', '/')}/{entry['code']}", name=entry["title"],
            description={"en": f"Module {entry['code']}"}, criteria={"en": "Recognised learning outcomes of the module."},
            achievement_type="Course", credits_available=float(entry["credits"]), human_code=entry["code"],
        )
        badge = creds.build_open_badge(f"urn:uuid:{uuid.uuid4()}", issuer=profile, subject_id=subject_id, achievement=achievement,
                                       valid_from=_stamp(date), results=[creds.result(entry["grade"])], credits_earned=float(entry["credits"]))
        courses.append(creds.sign(badge, key))
    credential_uuid = uuid.uuid4()
    revocation_index, suspension_index = allocate_indexes(issuer)
    clr = creds.build_clr(
        f"urn:uuid:{credential_uuid}", issuer=profile, subject_id=subject_id, credentials=courses, name=title, valid_from=_stamp(date),
        credential_status=[creds.StatusList("revocation").entry(revocation_index, list_url(issuer, "revocation")),
                           creds.StatusList("suspension").entry(suspension_index, list_url(issuer, "suspension"))],
    )
    clr["credentialSubject"]["identifier"] = _holder_identity(holder)
    signed = creds.sign(clr, key)
    language = holder.preferred_language or "kk"
    try:
        with transaction.atomic():
            record = IssuedCredential.objects.create(
                public_id=credential_uuid, kind=CredentialKind.TRANSCRIPT, issuer=issuer, holder=holder, idempotency_key=idempotency_key,
                title=title, document=signed, revocation_index=revocation_index, suspension_index=suspension_index, language=language,
                second_language="en" if language != "en" else "kk", verify_code=new_code(10), issued_by=actor,
            )
    except IntegrityError:
        existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
        raise
    audit_record(actor=actor, action="create", obj=record, after={"kind": "transcript", "modules": [e["code"] for e in entries]})
    return record
