"""Transcripts of records as CLR 2.0 credentials: one signed course badge per recognised module, bundled
in a ClrCredential signed by the home institution, with its own revocation and suspension entries."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings

import ortaq.engines.credentials as creds

from .issuance import Signer, _holder_identity, _institution_names, _stamp, store_signed
from .keys import issuer_ensure
from .models import CredentialKind, IssuedCredential


def transcript_issue(*, actor, issuer_institution, holder, idempotency_key: str, title: dict, entries: list[dict], date: dt.date) -> IssuedCredential:
    """`entries`: [{"code", "title": {lang: text}, "credits": float, "grade": str}] — the modules on the transcript."""
    existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    issuer = issuer_ensure(actor=None, institution=issuer_institution)
    profile = creds.issuer_profile(issuer.did, _institution_names(issuer_institution))
    subject_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.SITE_ROOT}/people/{holder.pk}')}"
    def build(credential_uuid: uuid.UUID, status: list[dict], sign: Signer) -> dict:
        # The course badges inside the CLR are signed with the same key by store_signed's signer, so that
        # they too are covered by its role check and audit record.
        courses = []
        for entry in entries:
            achievement = creds.build_achievement(
                f"{settings.SITE_ROOT}/transcripts/{idempotency_key.replace(':', '/')}/{entry['code']}", name=entry["title"],
                description={"en": f"Module {entry['code']}"}, criteria={"en": "Recognised learning outcomes of the module."},
                achievement_type="Course", credits_available=float(entry["credits"]), human_code=entry["code"],
            )
            badge = creds.build_open_badge(f"urn:uuid:{uuid.uuid4()}", issuer=profile, subject_id=subject_id, achievement=achievement,
                                           valid_from=_stamp(date), results=[creds.result(entry["grade"])], credits_earned=float(entry["credits"]))
            courses.append(sign(badge))
        clr = creds.build_clr(f"urn:uuid:{credential_uuid}", issuer=profile, subject_id=subject_id, credentials=courses, name=title,
                              valid_from=_stamp(date), credential_status=status)
        clr["credentialSubject"]["identifier"] = _holder_identity(holder)
        return clr

    return store_signed(actor=actor, issuer=issuer, holder=holder, kind=CredentialKind.TRANSCRIPT, idempotency_key=idempotency_key,
                        title=title, build=build, audit_after={"kind": "transcript", "modules": [e["code"] for e in entries]})
