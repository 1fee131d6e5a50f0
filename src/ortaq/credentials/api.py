"""W3C VC-API endpoints: issue (token required) and verify (public), with the request and response shapes
the W3C VC-API test suites expect (https://w3c-ccg.github.io/vc-api/)."""

import json
from datetime import datetime, timezone
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Router
from pydantic import TypeAdapter, ValidationError

import ortaq.engines.credentials as creds
from ortaq.engines.credentials.datamodel import date_time_stamp
from ortaq.errors import DomainError
from ortaq.lib.schemas import Text
from ortaq.lib.throttle import client_address, throttle_hit, throttle_limits

from .external import vc_api_issue
from .models import CredentialState
from .verification import verify_document

router = Router(tags=["VC-API"])
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: hostile nesting
        return None


# The credential's dates: xsd:dateTimeStamps (engines.credentials.datamodel.date_time_stamp).
DATE_FIELDS = ("validFrom", "validUntil", "issuanceDate", "expirationDate")


def _throttle(scope: str, key: str) -> None:
    limit, window = throttle_limits(scope)
    throttle_hit(scope, key, limit=limit, window=window)  # raises Throttled (429), answered by the API's handler


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@router.post("/credentials/issue", summary="Issue a credential (VC-API)", openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}})
def issue(request: HttpRequest):
    """Sign as the token's registrar institution; the credential is recorded, gets status entries (so it can
    be revoked) and an audit line, like every credential the platform signs (credentials.external)."""
    _throttle("vc_issue", f"user:{request.user.pk}")
    body = _body(request)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        return _error(400, "the request must be a JSON object with a 'credential' object")
    credential = dict(body["credential"])
    contexts = credential.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or contexts[0] not in (VC_V2, VC_V1):
        return _error(400, "the first @context must be https://www.w3.org/ns/credentials/v2 (VC 2.0) or https://www.w3.org/2018/credentials/v1 (VC 1.1)")
    if contexts[0] == VC_V1:
        # VC 1.1: issuanceDate is required (VC 1.1 §4.6); the issuer sets it when the caller did not.
        # The engine appends the Data Integrity context (VC Data Integrity 1.0 §2.4.2) when signing.
        credential.setdefault("issuanceDate", datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"))
    if not credential.get("credentialSubject"):
        return _error(400, "a credential needs a credentialSubject")
    if "proof" in credential:
        return _error(400, "the credential to issue must not carry a proof")
    if "options" in body and not isinstance(body["options"], dict):
        return _error(400, "options must be a JSON object")
    for name in DATE_FIELDS:
        if name in credential and date_time_stamp(credential[name]) is None:
            return _error(400, f"{name} must be a date and time with a time zone, such as 2026-06-30T00:00:00Z")
    if errors := creds.data_model_errors(credential):
        return _error(400, "; ".join(errors))
    given = credential.get("issuer")
    given_id = given.get("id") if isinstance(given, dict) else given
    if given is not None and not isinstance(given_id, str):
        return _error(400, "issuer must be a DID string or an object with an id")
    # VC-API IssueCredentialOptions: `issuer` picks one of the institution's DIDs (did:web or did:key) when the
    # credential names none; `cryptosuite` picks the Data Integrity suite.
    options = body.get("options") or {}
    chosen, suite = options.get("issuer"), options.get("cryptosuite", creds.RDFC)
    if chosen is not None and not isinstance(chosen, str):
        return _error(400, "options.issuer must be a DID string")
    if chosen and given_id and chosen != given_id:
        return _error(400, "options.issuer and the credential's issuer name different DIDs")
    if suite not in (creds.RDFC, creds.JCS):
        return _error(400, "options.cryptosuite must be eddsa-rdfc-2022 or eddsa-jcs-2022")
    try:
        record = vc_api_issue(actor=request.user, credential=credential, issuer_did=given_id or chosen or None,
                              idempotency_key=request.headers.get("Idempotency-Key") or None, cryptosuite=suite)
    except creds.SigningError as error:
        return _error(422, str(error))
    except DomainError as error:
        return _error(error.status, str(error.message))
    return JsonResponse({"verifiableCredential": record.document}, status=201)


@router.post("/credentials/verify", auth=None, summary="Verify a credential (VC-API)", openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}})
def verify(request: HttpRequest):
    _throttle("vc_verify", client_address(request))
    body = _body(request)
    if not isinstance(body, dict) or not isinstance(body.get("verifiableCredential"), dict):
        return _error(400, "the request must be a JSON object with a 'verifiableCredential' object")
    document = body["verifiableCredential"]
    if not document.get("proof"):
        return _error(400, "the credential has no proof")
    report = verify_document(document, count=True)
    report.pop("known_issuer", None)
    report.pop("document", None)
    checks = [c["check"] for c in report["checks"]]
    payload = {"verified": report["verified"], "checks": checks, "warnings": [],
               "errors": [c["reason"] for c in report["checks"] if not c["ok"]], "status": report["status"]}
    return JsonResponse(payload, status=200 if report["verified"] else 422)


# A presentation request answered twice, or too late: the error says which (VC-API leaves these to the verifier).
_PRESENTATION_STATUSES = {"duplicate": 409, "late": 410}


@router.post("/presentations/verify", auth=None, summary="Verify a presentation answering a request (VC-API)",
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}})
def verify_presentation(request: HttpRequest):
    """A holder's wallet answers a presentation request made on /verify/presentations/: `options.challenge`
    (and `options.domain`, if given) must be that request's, and the presentation's authentication proof must
    name both. Each credential inside is verified as /credentials/verify would; the first presentation that
    verifies answers the request, so a replay of it is refused (409). A challenge that is not one of ours, sent
    with an API token, is a verifier application's own (VC-API): see _verify_for_caller."""
    from ortaq.lib import jsonguard

    from .presentations import presentation_request_known, presentation_submit

    _throttle("vc_verify", client_address(request))
    try:  # hostile size or nesting is refused before parsing (4xx), like every JSON this platform reads
        body = jsonguard.loads(request.body or b"null")
    except jsonguard.JsonRefused as error:
        return _error(error.status, str(error.message))
    except ValueError:
        return _error(400, "the request is not valid JSON")
    if not isinstance(body, dict) or not isinstance(body.get("verifiablePresentation"), dict):
        return _error(400, "the request must be a JSON object with a 'verifiablePresentation' object")
    options = body.get("options", {})
    if not isinstance(options, dict) or not isinstance(options.get("challenge"), str):
        return _error(400, "options.challenge must name the presentation request's challenge")
    domain = options.get("domain")
    if domain is not None and not isinstance(domain, str):
        return _error(400, "options.domain must be a string")
    if not presentation_request_known(options["challenge"]) and request.headers.get("Authorization"):
        return _verify_for_caller(request, body["verifiablePresentation"], options["challenge"], domain)
    try:
        _request, result = presentation_submit(presentation=body["verifiablePresentation"], challenge=options["challenge"], domain=domain)
    except DomainError as error:
        return _error(_PRESENTATION_STATUSES.get(str(error.code), error.status), str(error.message))
    checks = result["checks"] + [{"check": f"credential {i}", "ok": c["verified"],
                                  "reason": "verified" if c["verified"] else "; ".join(x["reason"] for x in c["checks"] if not x["ok"])}
                                 for i, c in enumerate(result["credentials"], 1)]
    payload = {"verified": result["verified"], "holder": result["holder"], "checks": [c["check"] for c in checks], "warnings": [],
               "errors": [c["reason"] for c in checks if not c["ok"]],
               "credentialResults": [{"verified": c["verified"], "status": c["status"], "issuer": c["issuer"]} for c in result["credentials"]]}
    return JsonResponse(payload, status=200 if result["verified"] else 422)


def _verify_for_caller(request: HttpRequest, presentation: dict, challenge: str, domain: str | None) -> JsonResponse:
    """VC-API "verify presentation" for an authenticated verifier application: it issued `challenge` (and
    `domain`) and answers for their freshness, so nothing is stored or replay-protected here. A token is
    required because only then is someone accountable for that freshness; a wallet answering one of the
    platform's own requests needs none. 200 verified, 422 not (VC-API VerifyPresentationResponse either way)."""
    from ortaq.accounts.selectors import user_for_token

    from .presentations import presentation_verify_for_caller

    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        response = _error(401, "a valid API token (Authorization: Bearer …) is required to verify a presentation for your own challenge")
        response["WWW-Authenticate"] = "Bearer"
        return response
    _throttle("vc_verify", f"user:{user.pk}")
    if not challenge.strip():
        return _error(400, "options.challenge must not be empty")
    try:
        payload = presentation_verify_for_caller(actor=user, presentation=presentation, challenge=challenge, domain=domain)
    except DomainError as error:
        return _error(_PRESENTATION_STATUSES.get(str(error.code), error.status), str(error.message))
    return JsonResponse(payload, status=200 if payload["verified"] else 422)


# VC-API UpdateCredentialStatusRequest (issuer.yml): which entry of which credential, and the bit's new value.
_STATUS_MEMBERS = {"credentialId", "credentialStatus", "status", "reason"}  # `reason`: the platform's own, optional
_STATUS_ENTRY_MEMBERS = {"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"}
_STATUS_TYPES = {"BitstringStatusListEntry", "BitstringStatusList"}  # the entry's type, or the list's (the spec's example)


@router.post("/credentials/status", summary="Revoke, suspend or reinstate an issued credential (VC-API)",
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}})
def update_status(request: HttpRequest):
    """VC-API "update credential status", through the same service as the registrar's desk (a registrar of the issuing
    institution; revocation is final; the status lists and the wallet copies follow; audited). `credentialId` is the
    credential's `id` (its urn:uuid, or the id a VC-API caller gave it); `statusPurpose` revocation or suspension;
    `status` true sets the bit (revoke, suspend), false clears it (reinstate a suspended credential). Setting what is
    already set answers 200 and changes nothing (services.credential_status_bit_set)."""
    from ortaq.lib import jsonguard

    from .selectors import credential_by_document_id
    from .services import credential_status_bit_set

    _throttle("vc_issue", f"user:{request.user.pk}")
    try:
        body = jsonguard.loads(request.body or b"null")
    except jsonguard.JsonRefused as error:
        return _error(error.status, str(error.message))
    except ValueError:
        return _error(400, "the request is not valid JSON")
    entry = body.get("credentialStatus") if isinstance(body, dict) else None
    if not isinstance(body, dict) or set(body) - _STATUS_MEMBERS or not isinstance(body.get("credentialId"), str) \
            or not isinstance(entry, dict) or set(entry) - _STATUS_ENTRY_MEMBERS or not isinstance(body.get("status"), bool):
        return _error(400, 'send {"credentialId": "<the credential\'s id>", "credentialStatus": {"type": "BitstringStatusListEntry", '
                           '"statusPurpose": "revocation" or "suspension"}, "status": true or false}')
    if entry.get("type") not in _STATUS_TYPES or entry.get("statusPurpose") not in ("revocation", "suspension"):
        return _error(400, "credentialStatus must be a BitstringStatusListEntry with statusPurpose revocation or suspension")
    reason = body.get("reason", "Changed through the VC-API")
    try:  # the same rule as every text the platform stores: no control characters
        reason = TypeAdapter(Text).validate_python(reason, strict=True)
    except ValidationError:
        reason = None
    if not reason or not reason.strip() or len(reason) > 2000:
        return _error(400, "reason, if given, must be a non-empty text of at most 2,000 characters without control characters")
    actor = request.user
    if not actor.is_authenticated:  # the router's token gate already refused; a write never trusts it alone
        return _error(401, "a valid API token is required")
    credential = credential_by_document_id(actor=actor, document_id=body["credentialId"])
    if credential is None:
        return _error(404, "no credential you may change has this id")
    try:
        credential = credential_status_bit_set(actor=actor, credential=credential, purpose=entry["statusPurpose"], on=body["status"], reason=reason)
    except DomainError as error:  # clearing a revocation, or changing a revoked credential: a conflict with its state
        return _error(409 if str(error.code) == "revoked" else error.status, str(error.message))
    return JsonResponse({"credentialId": body["credentialId"], "state": credential.state,
                         "revoked": credential.state == CredentialState.REVOKED,
                         "suspended": credential.state == CredentialState.SUSPENDED}, status=200)


@router.post("/challenges", summary="Create a challenge for a presentation request (VC-API)",
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}})
def create_challenge(request: HttpRequest):
    """VC-API verifier "create challenge" (an empty body): a fresh challenge for the token's verifier application to
    put in its presentation request as `options.challenge`. A presentation naming it is then verified by
    /presentations/verify with the same token, once (409 after) and for 30 minutes (410 after)."""
    from ortaq.lib import jsonguard

    from .presentations import verifier_challenge_create

    _throttle("vc_verify", f"user:{request.user.pk}")
    if request.content_type != "application/json":
        if request.POST or request.FILES:  # a form with fields: this endpoint takes none
            return _error(400, "send an empty body (or {}) to create a challenge")
    elif request.body.strip():
        try:  # hostile size or nesting is refused before parsing, like every JSON this platform reads
            body = jsonguard.loads(request.body)
        except jsonguard.JsonRefused as error:
            return _error(error.status, str(error.message))
        except ValueError:
            return _error(400, "the request is not valid JSON")
        if body != {}:
            return _error(400, "send an empty body (or {}) to create a challenge")
    try:
        challenge = verifier_challenge_create(actor=request.user)
    except DomainError as error:
        return _error(error.status, str(error.message))
    return JsonResponse({"challenge": challenge.challenge}, status=200)
