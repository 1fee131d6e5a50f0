"""The VC-API issues only credentials that follow the VC Data Model 2.0, keeps the status entries a caller
brings beside the platform's own (so the credential stays revocable here), and accepts the W3C examples
context only in a conformance run that switches it on."""

import json

import pytest
from django.conf import settings

import ortaq.engines.credentials as creds
from ortaq.accounts.services import api_token_create
from ortaq.credentials.apps import EXAMPLES_V2, CredentialsConfig
from ortaq.credentials.models import IssuedCredential
from ortaq.engines.credentials import contexts

ISSUE = "/api/v1/vc/credentials/issue"
VERIFY = "/api/v1/vc/credentials/verify"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _credential(**extra) -> dict:
    return {"@context": [VC_V2], "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:learner"}, **extra}


def _issue(client, user, credential):
    _t, secret = api_token_create(actor=user, name="vc")
    return client.post(ISSUE, json.dumps({"credential": credential}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_credential_that_breaks_the_data_model_is_refused_before_it_is_signed(client, world):
    response = _issue(client, world["registrar_a"], _credential(termsOfUse={"id": "https://terms.example/1"}))
    assert response.status_code == 400 and "termsOfUse must have a type" in response.json()["error"]
    response = _issue(client, world["registrar_a"], _credential(relatedResource=["https://files.example/a.pdf"]))
    assert response.status_code == 400 and "relatedResource" in response.json()["error"]
    for subject in (True, 4, "did:example:1234", [4]):  # the W3C-CCG VC-API issuer suite's cases: these were signed before
        response = _issue(client, world["registrar_a"], _credential(credentialSubject=subject))
        assert response.status_code == 400 and "credentialSubject must be an object" in response.json()["error"], subject
    assert IssuedCredential.objects.count() == 0


def test_a_context_the_json_ld_processor_cannot_handle_is_refused_not_a_server_error(client, world):
    response = _issue(client, world["registrar_a"], {**_credential(), "@context": [VC_V2, {"@vocab": None}]})
    assert response.status_code == 422 and "JSON-LD processing failed" in response.json()["error"]
    assert IssuedCredential.objects.count() == 0


def test_the_callers_status_entry_is_kept_beside_the_platforms_revocation_and_suspension(client, world):
    theirs = {"id": "https://status.college-a.example/3#94567", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
              "statusListIndex": "94567", "statusListCredential": "https://status.college-a.example/3"}
    response = _issue(client, world["registrar_a"], _credential(credentialStatus=theirs))
    assert response.status_code == 201, response.content
    entries = response.json()["verifiableCredential"]["credentialStatus"]
    assert entries[0] == theirs
    assert [e["statusPurpose"] for e in entries[1:]] == ["revocation", "suspension"]
    assert all(e["statusListCredential"].startswith(settings.SITE_ROOT + "/credentials/status/") for e in entries[1:])
    record = IssuedCredential.objects.get()
    assert record.document["credentialStatus"] == entries


@pytest.fixture
def examples_context_switch(monkeypatch):
    """Start-up with or without the switch; whatever was registered before (the engine tests register the
    examples context for their W3C vectors) is put back afterwards."""
    before = contexts._EXTRA.pop(EXAMPLES_V2, None)
    yield lambda: CredentialsConfig.ready(CredentialsConfig.create("ortaq.credentials"))
    contexts._EXTRA.pop(EXAMPLES_V2, None)
    if before is not None:
        contexts._EXTRA[EXAMPLES_V2] = before


def test_the_examples_context_is_refused_unless_a_conformance_run_switches_it_on(client, world, monkeypatch, examples_context_switch):
    credential = {**_credential(), "@context": [VC_V2, EXAMPLES_V2], "type": ["VerifiableCredential", "ExampleDegreeCredential"]}
    monkeypatch.delenv("ORTAQ_VC_EXAMPLES_CONTEXT", raising=False)
    examples_context_switch()
    refused = _issue(client, world["registrar_a"], credential)
    assert refused.status_code == 422 and "unknown JSON-LD context" in refused.json()["error"]

    monkeypatch.setenv("ORTAQ_VC_EXAMPLES_CONTEXT", "1")
    examples_context_switch()
    issued = _issue(client, world["registrar_a"], credential)
    assert issued.status_code == 201
    signed = issued.json()["verifiableCredential"]
    assert client.post(VERIFY, json.dumps({"verifiableCredential": signed}), content_type="application/json").status_code == 200
    assert creds.data_model_errors(signed) == []
