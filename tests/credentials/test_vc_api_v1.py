"""VC-API issue accepts VC Data Model 1.1 input as well as 2.0 (W3C VC-API test suites send both)."""

import json

import pytest

from ortaq.accounts.services import api_token_create

VC_V1 = "https://www.w3.org/2018/credentials/v1"
DI_V2 = "https://w3id.org/security/data-integrity/v2"
# Bitstring Status List v1.0 §2.1: a VC 1.1 document needs this context for the status entries the platform adds.
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"
ISSUE = "/api/v1/vc/credentials/issue"
VERIFY = "/api/v1/vc/credentials/verify"


def _issue(client, secret, credential):
    return client.post(ISSUE, json.dumps({"credential": credential, "options": {}}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize("issuance_date", ["2026-01-01T00:00:00Z", None])
def test_vc_api_issues_a_vc_1_1_credential_that_verifies(client, world, issuance_date):
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    credential = {"@context": [VC_V1], "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:123"}}
    if issuance_date:
        credential["issuanceDate"] = issuance_date
    response = _issue(client, secret, credential)
    assert response.status_code == 201, response.content
    signed = response.json()["verifiableCredential"]
    assert signed["@context"] == [VC_V1, STATUS_V1, DI_V2]
    assert {entry["statusPurpose"] for entry in signed["credentialStatus"]} == {"revocation", "suspension"}
    assert signed["proof"]["type"] == "DataIntegrityProof" and signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["issuanceDate"] == (issuance_date or signed["issuanceDate"]) and "validFrom" not in signed
    verified = client.post(VERIFY, json.dumps({"verifiableCredential": signed}), content_type="application/json")
    assert verified.status_code == 200 and verified.json()["verified"] is True

    signed["credentialSubject"]["id"] = "did:example:456"
    tampered = client.post(VERIFY, json.dumps({"verifiableCredential": signed}), content_type="application/json")
    assert tampered.status_code == 422 and tampered.json()["verified"] is False


def test_vc_api_refuses_a_vc_1_1_credential_with_an_undefined_term_or_a_foreign_first_context(client, world):
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    undefined = {"@context": [VC_V1], "type": ["VerifiableCredential"], "issuanceDate": "2026-01-01T00:00:00Z", "credentialSubject": {"undefinedTerm": 1}}
    assert _issue(client, secret, undefined).status_code == 422
    foreign = {"@context": ["https://example.org/ctx", VC_V1], "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:1"}}
    assert _issue(client, secret, foreign).status_code == 400
