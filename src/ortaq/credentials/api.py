"""W3C VC-API endpoints: issue (token required) and verify (public), with the request and response shapes
the W3C VC-API test suites expect (https://w3c-ccg.github.io/vc-api/)."""

import json
from datetime import datetime, timezone
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Router

import ortaq.engines.credentials as creds
from ortaq.accounts.models import Role
from ortaq.accounts.selectors import access_for

from .keys import issuer_ensure, signing_key
from .verification import verify_document

router = Router(tags=["VC-API"])
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@router.post("/credentials/issue", summary="Issue a credential (VC-API)", openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}})
def issue(request: HttpRequest):
    access = access_for(request.user)
    institutions = access.institutions_with({Role.REGISTRAR, Role.COORDINATOR})
    if not institutions and not access.is_admin:
        return _error(403, "the token's user issues for no institution")
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
    from ortaq.institutions.models import Institution

    institution = Institution.objects.filter(pk__in=sorted(institutions)).order_by("pk").first() if institutions else Institution.objects.order_by("pk").first()
    issuer = issuer_ensure(actor=request.user, institution=institution)
    given = credential.get("issuer")
    given_id = given.get("id") if isinstance(given, dict) else given
    if given_id and given_id != issuer.did:
        return _error(400, f"this token issues as {issuer.did}, not {given_id}")
    if not given_id:
        credential["issuer"] = issuer.did
    try:
        signed = creds.sign(credential, signing_key(issuer))
    except creds.SigningError as error:
        return _error(422, str(error))
    return JsonResponse({"verifiableCredential": signed}, status=201)


@router.post("/credentials/verify", auth=None, summary="Verify a credential (VC-API)", openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}})
def verify(request: HttpRequest):
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
