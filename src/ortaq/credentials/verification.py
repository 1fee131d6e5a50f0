"""Verification inside the platform: the engine, with our issuers' DID documents and status lists offline."""

from __future__ import annotations

from django.core.cache import cache

import ortaq.engines.credentials as creds

from .keys import resolver
from .selectors import known_issuer
from .status_lists import resolve_status_list

RATE_LIMIT = 30  # verifications per minute and client address


def verify_document(document, *, count: bool = False) -> dict:
    """Verify offline against our issuers; with `count`, a successful check of a credential we issued is
    counted for the analytics (no verifier or holder is stored)."""
    report = creds.verify(document, did_resolver=resolver(), status_resolver=resolve_status_list)
    result = report.to_dict()
    if count and report.verified and isinstance(result.get("credential"), str) and result["credential"].startswith("urn:uuid:"):
        from ortaq.analytics.services import verification_record

        from .models import IssuedCredential

        issued = IssuedCredential.objects.select_related("issuer").filter(public_id=result["credential"].removeprefix("urn:uuid:")).first()
        if issued is not None:
            verification_record(credential=issued)
    issuer = known_issuer(result.get("issuer"))
    result["known_issuer"] = issuer
    if isinstance(document, dict):
        result["document"] = document
    return result


def allow(client_key: str) -> bool:
    """A fixed-window rate limit so that the public page cannot be used to hammer the verifier."""
    key = f"verify-rate:{client_key}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=60)
        count = 1
    return count <= RATE_LIMIT


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
