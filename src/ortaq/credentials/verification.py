"""Verification inside the platform: the engine, with our issuers' DID documents and status lists offline."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _

import ortaq.engines.credentials as creds

from .keys import resolver
from .selectors import known_issuer
from .status_lists import resolve_status_list


def verify_document(document, *, count: bool = False) -> dict:
    """Verify offline against our issuers. A credential signed with the key of an institution registered here
    must also be in that institution's register of issued credentials (every signature goes through
    issuance.store_signed, which records it): one that is not was not issued by the registrar's workflow,
    so it fails the "register" check. With `count`, a successful check of a credential we issued is counted
    for the analytics (no verifier or holder is stored)."""
    report = creds.verify(document, did_resolver=resolver(), status_resolver=resolve_status_list)
    result = report.to_dict()
    issuer = known_issuer(result.get("issuer"))
    issued = _registered(issuer, result.get("credential")) if issuer is not None else None
    if issuer is not None:
        in_register = issued is not None and issued.issuer_id == issuer.pk
        result["checks"].append({
            "check": "register", "ok": in_register,
            "reason": (str(_("recorded in the register of %(name)s") % {"name": issuer.institution.display_name}) if in_register
                       else str(_("signed with the key of %(name)s, but not in its register of issued credentials") % {"name": issuer.institution.display_name})),
        })
        result["verified"] = result["verified"] and in_register
    if count and result["verified"] and issued is not None:
        from ortaq.analytics.services import verification_record

        verification_record(credential=issued)
    result["known_issuer"] = issuer
    if isinstance(document, dict):
        result["document"] = document
    return result


def _registered(issuer, credential_id):
    """The platform's record of a credential of `issuer`, by its urn:uuid or (VC-API credentials) its own id."""
    from .models import IssuedCredential

    if not isinstance(credential_id, str) or not credential_id:
        return None
    records = IssuedCredential.objects.select_related("issuer").filter(issuer=issuer)
    if credential_id.startswith("urn:uuid:"):
        try:
            found = records.filter(public_id=uuid.UUID(credential_id.removeprefix("urn:uuid:"))).first()
        except ValueError:
            found = None
        if found is not None:
            return found
    return records.filter(external_id=credential_id).first()


def summary(document: dict) -> dict:
    """What a person checks: issuer, holder's name as issued, achievement, dates, alignments."""
    subject = document.get("credentialSubject") or {}
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    achievement = subject.get("achievement") or {}
    issuer = document.get("issuer") or {}
    return {
        "issuer_name": issuer.get("name") if isinstance(issuer, dict) else issuer,
        "issuer_names": issuer.get("nameLanguageMap", {}) if isinstance(issuer, dict) else {},
        "holder_names": [i.get("identityHash") for i in subject.get("identifier", []) if isinstance(i, dict) and i.get("identityType") == "name"],
        "achievement": achievement.get("name"),
        "achievement_names": achievement.get("nameLanguageMap", {}),
        "achievement_type": achievement.get("achievementType"),
        "valid_from": document.get("validFrom"), "valid_until": document.get("validUntil"),
        "alignments": [(a.get("targetFramework"), a.get("targetCode"), a.get("targetName")) for a in achievement.get("alignment", []) if isinstance(a, dict)],
    }
