import io
import json

import pytest
from pypdf import PdfReader

from ortaq.accounts.services import api_token_create
from ortaq.credentials import services
from ortaq.credentials.models import IssuedCredential


def test_the_pdf_has_kazakh_and_chinese_text_a_qr_code_and_the_credential_attached(client, world, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    client.force_login(graduates[0])
    response = client.get(f"/en/wallet/{credential.public_id}/certificate.pdf?lang=kk&second=zh-hans")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Мехатроника" in text and "Дана Серікқызы" in text and "机电一体化" in text
    attached = reader.attachments
    [name] = list(attached)
    assert json.loads(attached[name][0]) == credential.document
    assert credential.verify_code in text


def test_nobody_else_downloads_a_holders_credential(client, world, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    client.force_login(graduates[1])
    assert client.get(f"/en/wallet/{credential.public_id}/credential.json").status_code == 404


@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans", "en"])
def test_anyone_verifies_a_share_code_without_signing_in(client, world, issued, language):
    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    code = services.share_code_create(actor=graduates[0], credential=credential, days=5)
    page = client.get(f"/{language}/verify/{code.code}").content.decode()
    assert 'id="verify-status"' in page and "Дана Серікқызы" in page and "Joint College" in page
    services.credential_set_state(actor=registrar, credential=credential, state="revoked", reason="Issued in error")
    assert "✗" in client.get(f"/{language}/verify/{code.code}").content.decode()


def test_a_pasted_credential_is_verified_and_a_tampered_one_is_not(client, world, issued):
    batch, programme, joint, registrar, graduates = issued
    document = IssuedCredential.objects.get(holder=graduates[0]).document
    ok = client.post("/en/verify/", {"document": json.dumps(document)}).content.decode()
    assert "✔ Verified" in ok
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    bad = client.post("/en/verify/", {"document": json.dumps(document)}).content.decode()
    assert "✗ Not verified" in bad


def test_the_public_verifier_is_rate_limited(client, world, settings):
    settings.ORTAQ_THROTTLES = {**settings.ORTAQ_THROTTLES, "verify_page": (3, 60)}
    statuses = [client.post("/en/verify/", {"document": "{}"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_did_documents_contexts_and_status_lists_are_served(client, world, issued):
    batch, *_ = issued
    issuer = batch.issuer
    did = client.get(f"/issuers/{issuer.institution_id}/did.json").json()
    assert did["id"] == issuer.did and did["assertionMethod"]
    assert client.get("/ns/credentials/v1").status_code == 200
    response = client.get(f"/credentials/status/{issuer.pk}/revocation")
    assert response.status_code == 200 and "max-age=300" in response["Cache-Control"]
    assert response.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]


def test_vc_api_issue_needs_a_token_and_returns_a_verifiable_credential(client, world):
    body = {"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                           "credentialSubject": {"id": "did:example:123"}, "validFrom": "2026-01-01T00:00:00Z"}, "options": {}}
    assert client.post("/api/v1/vc/credentials/issue", json.dumps(body), content_type="application/json").status_code == 401
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    response = client.post("/api/v1/vc/credentials/issue", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201
    signed = response.json()["verifiableCredential"]
    verified = client.post("/api/v1/vc/credentials/verify", json.dumps({"verifiableCredential": signed, "options": {"unknown": 1}}), content_type="application/json")
    assert verified.status_code == 200 and verified.json()["verified"] is True


@pytest.mark.parametrize("credential, status", [
    ({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}, 400),
    ({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "NotDefinedAnywhere"], "credentialSubject": {"id": "did:example:1"}}, 422),
    ({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "credentialSubject": {"undefinedTerm": 1}}, 422),
])
def test_vc_api_issue_refuses_bad_credentials(client, world, credential, status):
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    response = client.post("/api/v1/vc/credentials/issue", json.dumps({"credential": credential}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == status


@pytest.mark.parametrize("body", [{}, "a string", {"verifiableCredential": {"proof": None}}, {"verifiableCredential": "x"}])
def test_vc_api_verify_answers_400_or_422_for_anything_unverifiable(client, db, body):
    response = client.post("/api/v1/vc/credentials/verify", json.dumps(body), content_type="application/json")
    assert response.status_code in (400, 422)


def test_a_successful_public_verification_is_counted_for_analytics(client, world, issued):
    from ortaq.analytics.models import VerificationEvent

    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    client.get(f"/en/verify/{credential.verify_code}")
    assert VerificationEvent.objects.filter(issuer_institution_id=joint.pk, kind="diploma").count() == 1


def test_the_did_document_keeps_the_issuers_did_after_the_platform_moves_to_another_port(client, world, issued, settings):
    batch, *_ = issued
    issuer = batch.issuer
    settings.SITE_ROOT = "http://127.0.0.1:8765"  # `ortaq serve --port 8765` after the keys were made on 8000
    response = client.get(f"/issuers/{issuer.institution_id}/did.json")
    assert response.status_code == 200
    did = response.json()
    assert did["id"] == issuer.did and all(method["controller"] == issuer.did for method in did["verificationMethod"])
