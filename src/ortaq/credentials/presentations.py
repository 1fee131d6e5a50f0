"""Presentations from wallets: a verifier's request (fresh challenge, this platform's domain, short-lived) and
the holder's Verifiable Presentation answering it, verified once (engines.credentials.presentations for the
holder's proof and binding, verification.verify_document for each credential inside)."""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.audit.services import audit_record
from ortaq.engines.credentials.presentations import verify_presentation
from ortaq.errors import DomainError, Forbidden, NotFound

from .keys import resolver
from .models import PresentationRequest, VerifierChallenge
from .verification import verify_document

LIFETIME = dt.timedelta(minutes=30)


def presentation_domain() -> str:
    """The domain a holder's proof names: this platform's host (VC Data Integrity 1.0 §4.2 "domain")."""
    return urlsplit(settings.SITE_ROOT).netloc


@transaction.atomic
def presentation_request_create() -> PresentationRequest:
    """A new request (anyone may ask a holder for a presentation, as anyone may verify a credential here)."""
    return PresentationRequest.objects.create(challenge=secrets.token_urlsafe(24), secret=secrets.token_urlsafe(24),
                                              domain=presentation_domain(), expires_at=timezone.now() + LIFETIME)


@transaction.atomic
def verifier_challenge_create(*, actor) -> VerifierChallenge:
    """VC-API "create challenge" for a verifier application (any signed-in account, through its API token): a fresh
    challenge it puts in its own presentation request. Audited, since it is a write in the account's name."""
    if actor is None or not actor.is_authenticated:
        raise Forbidden(_("Sign in with an API token to ask for a challenge."))
    challenge = VerifierChallenge.objects.create(challenge=secrets.token_urlsafe(24), requested_by=actor,
                                                 expires_at=timezone.now() + LIFETIME)
    audit_record(actor=actor, action="create", obj=challenge, after={"expires_at": challenge.expires_at.isoformat()},
                 summary="VC-API challenge for a verifier application")
    return challenge


def presentation_request_open(challenge: str) -> PresentationRequest | None:
    """The request a holder's link names, while it can still be answered."""
    if not isinstance(challenge, str) or not challenge or len(challenge) > 64:
        return None
    return PresentationRequest.objects.filter(challenge=challenge, answered_at__isnull=True, expires_at__gt=timezone.now()).first()


def _credential_result(credential) -> dict:
    report = verify_document(credential, count=True)
    issuer = report.get("known_issuer")
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    name = credential.get("name") if isinstance(credential, dict) else None
    if isinstance(achievement, dict) and isinstance(achievement.get("name"), str):
        name = achievement["name"]
    return {"verified": report["verified"], "status": report.get("status"), "issuer": report.get("issuer"),
            "issuer_registered": issuer.institution.display_name if issuer is not None else "",
            "name": name if isinstance(name, str) else "", "checks": report["checks"]}


def presentation_submit(*, presentation, challenge, domain) -> tuple[PresentationRequest, dict]:
    """Verify `presentation` against the open request with `challenge`: the holder's proof (authentication,
    challenge, domain), holder binding, and each credential inside. The first presentation that verifies
    answers the request and is kept for its requester to see; after that (or after it expired) the challenge is
    refused, so a presentation cannot be replayed. A failed answer is returned to the wallet only and writes
    nothing: anyone holding the link could otherwise overwrite what the requester sees."""
    if not isinstance(challenge, str) or not challenge:
        raise DomainError(_("Name the request's challenge."), code="invalid")
    with transaction.atomic():
        request = PresentationRequest.objects.select_for_update().filter(challenge=challenge[:64]).first()
        if request is None:
            raise NotFound(_("No presentation request has this challenge."))
        if request.answered_at is not None:
            raise DomainError(_("This request was already answered: a presentation is accepted once."), code="duplicate")
        if request.expires_at <= timezone.now():
            raise DomainError(_("This request has expired: ask for a new one."), code="late")
        if domain is not None and domain != request.domain:
            raise DomainError(_("The domain is not this verifier's."), code="invalid")
        report = verify_presentation(presentation, challenge=request.challenge, domain=request.domain, resolver=resolver())
        credentials = [_credential_result(c) for c in report.credentials] if report.verified else []
        if report.verified and not credentials:
            report.checks.append(_no_credentials())
        verified = report.verified and all(c["verified"] for c in credentials)
        result = {**report.to_dict(), "verified": verified, "credentials": credentials}
        if verified:
            request.result, request.answered_at = result, timezone.now()
            request.save(update_fields=["result", "answered_at"])
    return request, result


def _no_credentials():
    from ortaq.engines.credentials import Check

    return Check("credentials", False, "the presentation holds no credential")


def presentation_request_known(challenge) -> bool:
    """Whether `challenge` is one of this platform's presentation requests (answered, expired or open)."""
    return isinstance(challenge, str) and 0 < len(challenge) <= 64 and PresentationRequest.objects.filter(challenge=challenge).exists()


# A credential's failed check, as the VC Data Model 2.0 §7.1 problem type a VC-API client expects.
_PROBLEM_TYPES = {"proof": "CRYPTOGRAPHIC_SECURITY_ERROR", "issuer": "CRYPTOGRAPHIC_SECURITY_ERROR", "nested": "CRYPTOGRAPHIC_SECURITY_ERROR",
                  "register": "CRYPTOGRAPHIC_SECURITY_ERROR", "validity": "RANGE_ERROR", "input": "PARSING_ERROR", "internal": "PARSING_ERROR"}


def _problems_of(report: dict) -> list[dict]:
    return [{"type": f"https://www.w3.org/TR/vc-data-model#{_PROBLEM_TYPES.get(c['check'], 'MALFORMED_VALUE_ERROR')}",
             "title": f"{c['check']} check failed", "detail": c["reason"]} for c in report["checks"] if not c["ok"]]


def presentation_verify_for_caller(*, actor, presentation, challenge: str, domain: str | None) -> dict:
    """VC-API "verify presentation" for an authenticated verifier application that issued `challenge` (and
    `domain`) itself: the presentation's data model and proof (engines.credentials.caller_presentations), then
    each credential inside as /credentials/verify would. The caller owns the challenge's freshness, so nothing
    is stored and a replay is the caller's to refuse; the platform's own requests go through
    presentation_submit instead. A challenge the caller got from the platform (verifier_challenge_create) is the
    exception: it is checked as the platform's own (the caller's only, once, before it expires). Answers the VC-API
    VerifyPresentationResponse shape."""
    if actor is None or not actor.is_authenticated:  # the API gate already asked for a token; a service never trusts it alone
        raise Forbidden(_("Sign in with an API token to verify a presentation for your own request."))
    with transaction.atomic():
        issued = VerifierChallenge.objects.select_for_update().filter(challenge=challenge).first() if len(challenge) <= 64 else None
        if issued is not None:  # a challenge the platform gave out (POST /challenges): its owner's, once, while fresh
            if issued.requested_by_id != actor.pk:
                raise NotFound(_("None of your challenges has this value."))
            if issued.used_at is not None:
                raise DomainError(_("This challenge was already answered: a presentation is accepted once."), code="duplicate")
            if issued.expires_at <= timezone.now():
                raise DomainError(_("This challenge has expired: ask for a new one."), code="late")
        payload = _verify_for_caller(presentation, challenge=challenge, domain=domain)
        if issued is not None and payload["verified"]:
            issued.used_at = timezone.now()
            issued.save(update_fields=["used_at"])
            audit_record(actor=actor, action="update", obj=issued, before={"used_at": None},
                         after={"used_at": issued.used_at.isoformat(), "holder": payload["holder"]},
                         summary="VC-API challenge answered by a verified presentation")
    return payload


def _verify_for_caller(presentation, *, challenge: str, domain: str | None) -> dict:
    from ortaq.engines.credentials.caller_presentations import verify_caller_presentation

    report = verify_caller_presentation(presentation, challenge=challenge, domain=domain, resolver=resolver())
    credential_results = []
    for credential in report.credentials:  # empty when the presentation itself breaks the data model
        result = verify_document(credential, count=True)
        credential_results.append({"verified": result["verified"], "credentialId": result.get("credential"), "issuer": result.get("issuer"),
                                   "status": result.get("status"), "problemDetails": _problems_of(result)})
    problems = [p.to_dict() for p in report.problems]
    problems += [{**p, "detail": f"credential {i}: {p['detail']}"} for i, c in enumerate(credential_results, 1) for p in c["problemDetails"]]
    verified = report.verified and all(c["verified"] for c in credential_results)
    presentation_result = {"verified": report.verified, "problemDetails": [p.to_dict() for p in report.problems], "results": report.results}
    return {"verified": verified, "holder": report.holder, "presentationResult": presentation_result, "credentialResults": credential_results,
            "problemDetails": problems, "warnings": [p.to_dict() for p in report.warnings],
            # VC-API's older `errors` list (strings): what clients such as the W3C test suites still read
            "errors": [p["detail"] for p in problems]}
