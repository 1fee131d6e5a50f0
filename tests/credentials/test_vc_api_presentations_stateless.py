"""A verifier application with an API token verifies a presentation answering its own challenge (VC-API "verify
presentation"): the platform checks the presentation's data model, its authentication proof for the caller's
challenge and domain, holder binding, and each credential inside, and stores nothing. The platform's own
presentation requests keep their replay protection. Presentations are signed here with the engine's Data
Integrity primitives (eddsa-rdfc-2022), as a wallet would, plus one signed by the Digital Bazaar stack in Node."""

import copy
import json

import pytest

import ortaq.engines.credentials as creds
from ortaq.accounts.services import api_token_create, api_token_revoke
from ortaq.credentials.models import PresentationRequest
from ortaq.credentials.presentations import presentation_request_create
from ortaq.engines.credentials.multibase import multibase_encode
from ortaq.engines.credentials.proofs import hash_data

ISSUE = "/api/v1/vc/credentials/issue"
PRESENT = "/api/v1/vc/presentations/verify"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "u3Zb1x0h0Hq7w9mB3c4d5e"
DOMAIN = "verifier.example"


@pytest.fixture
def holder():
    return creds.generate_key()  # the holder's wallet key: its own did:key


@pytest.fixture
def token(world):
    _t, secret = api_token_create(actor=world["registrar_b"], name="verifier app")
    return secret


def _issued(client, world, subject: str) -> dict:
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    credential = {"@context": [VC_V2], "type": ["VerifiableCredential"], "name": "Welding module", "credentialSubject": {"id": subject}}
    response = client.post(ISSUE, json.dumps({"credential": credential}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201, response.content
    return response.json()["verifiableCredential"]


def _signed(presentation: dict, key, challenge=CHALLENGE, domain: str | None = DOMAIN) -> dict:
    """An authentication proof as a wallet makes it (VC Data Integrity 1.0 §4.2: challenge and domain in the proof)."""
    proof = {"type": "DataIntegrityProof", "cryptosuite": creds.RDFC, "created": "2026-12-03T12:00:00Z",
             "verificationMethod": key.id, "proofPurpose": "authentication", "challenge": challenge}
    if domain is not None:
        proof["domain"] = domain
    proof["proofValue"] = multibase_encode(key.sign(hash_data(presentation, proof, creds.RDFC)), "z")
    return {**presentation, "proof": proof}


def _presentation(holder, credentials, *, name_holder=True) -> dict:
    presentation = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": credentials}
    if name_holder:
        presentation["holder"] = holder.controller
    return presentation


def _verify(client, presentation, token: str | None, **options):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    body = {"verifiablePresentation": presentation, "options": options}
    return client.post(PRESENT, json.dumps(body), content_type="application/json", **headers)


def test_a_verifier_app_verifies_a_presentation_for_its_own_challenge_and_nothing_is_stored(client, world, holder, token):
    credential = _issued(client, world, holder.controller)
    presentation = _signed(_presentation(holder, [credential]), holder)
    response = _verify(client, presentation, token, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["verified"] is True and answer["errors"] == [] and answer["problemDetails"] == []
    assert answer["presentationResult"]["verified"] is True
    results = answer["presentationResult"]["results"]
    assert results["challenge"] == {"valid": True, "input": CHALLENGE} and results["domain"] == {"valid": True, "input": DOMAIN}
    assert results["holder"] == {"valid": True, "input": holder.controller} and results["proof"][0]["valid"] is True
    assert [(c["verified"], c["status"], c["issuer"]) for c in answer["credentialResults"]] == [(True, "valid", credential["issuer"])]
    assert PresentationRequest.objects.count() == 0
    # The caller owns the challenge's freshness: the platform keeps no state, so the same answer verifies again.
    assert _verify(client, presentation, token, challenge=CHALLENGE, domain=DOMAIN).status_code == 200


def test_a_wrong_or_missing_challenge_is_refused(client, world, holder, token):
    presentation = _signed(_presentation(holder, []), holder)
    wrong = _verify(client, presentation, token, challenge="another-challenge", domain=DOMAIN)
    assert wrong.status_code == 422 and wrong.json()["verified"] is False
    assert wrong.json()["presentationResult"]["results"]["challenge"] == {"valid": False, "input": "another-challenge"}
    assert any("challenge" in e for e in wrong.json()["errors"])
    assert wrong.json()["problemDetails"][0]["type"] == "https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR"
    assert _verify(client, presentation, token, domain=DOMAIN).status_code == 400
    assert _verify(client, presentation, token, challenge="", domain=DOMAIN).status_code == 400
    unsigned = _presentation(holder, [])
    refused = _verify(client, unsigned, token, challenge=CHALLENGE)
    assert refused.status_code == 422 and any("no proof" in e for e in refused.json()["errors"])


def test_a_domain_is_checked_only_when_the_caller_names_one(client, world, holder, token):
    presentation = _signed(_presentation(holder, []), holder, domain="evil.example")
    refused = _verify(client, presentation, token, challenge=CHALLENGE, domain=DOMAIN)
    assert refused.status_code == 422 and any("another domain" in e for e in refused.json()["errors"])
    assert refused.json()["presentationResult"]["results"]["domain"] == {"valid": False, "input": DOMAIN}
    assert _verify(client, presentation, token, challenge=CHALLENGE).status_code == 200


def test_a_tampered_credential_inside_fails_the_presentation_and_is_reported_alone(client, world, holder, token):
    good = _issued(client, world, holder.controller)
    changed = copy.deepcopy(_issued(client, world, holder.controller))
    changed["name"] = "Master welder"  # the holder edits a credential, then signs the presentation over it
    presentation = _signed(_presentation(holder, [good, changed]), holder)
    refused = _verify(client, presentation, token, challenge=CHALLENGE, domain=DOMAIN)
    assert refused.status_code == 422
    answer = refused.json()
    assert answer["verified"] is False and answer["presentationResult"]["verified"] is True
    assert [c["verified"] for c in answer["credentialResults"]] == [True, False]
    assert answer["credentialResults"][1]["problemDetails"][0]["type"].endswith("#CRYPTOGRAPHIC_SECURITY_ERROR")
    assert all(e.startswith("credential 2:") for e in answer["errors"])


def test_a_named_holder_must_have_signed_while_a_holderless_presentation_binds_nobody(client, world, holder, token):
    impostor = creds.generate_key()
    signed_by_another = _signed(_presentation(holder, []), impostor)
    refused = _verify(client, signed_by_another, token, challenge=CHALLENGE, domain=DOMAIN)
    assert refused.status_code == 422 and any("not by the holder" in e for e in refused.json()["errors"])
    assert refused.json()["presentationResult"]["results"]["holder"] == {"valid": False, "input": holder.controller}
    holderless = _signed(_presentation(holder, [], name_holder=False), impostor)
    assert _verify(client, holderless, token, challenge=CHALLENGE, domain=DOMAIN).status_code == 200
    # VC DM 2.0 §4.13 lets a holder present a credential about someone else: a warning, the verifier decides.
    theirs = _issued(client, world, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    accepted = _verify(client, _signed(_presentation(holder, [theirs]), holder), token, challenge=CHALLENGE, domain=DOMAIN)
    assert accepted.status_code == 200 and "another subject than the holder" in accepted.json()["warnings"][0]["detail"]


@pytest.mark.parametrize("change, reason", [
    (lambda p: {"type": ["NonconformingDocument"]}, "VerifiablePresentation"),
    (lambda p: {k: v for k, v in p.items() if k != "@context"}, "@context"),
    (lambda p: {**p, "@context": [{"Ex": "https://example.org/#Ex"}, VC_V2]}, "first @context"),
    (lambda p: {**p, "@context": [VC_V2, 123192875]}, "@context entry"),
    (lambda p: {**p, "@context": [VC_V2, "https ://not-a-url/contexts/example/v1"]}, "@context entry"),
    (lambda p: {**p, "type": ["CredentialManagerPresentation"]}, "VerifiablePresentation"),
    (lambda p: {**p, "holder": "not a url"}, "holder"),
    (lambda p: {**p, "id": 7}, "id must be a URL"),
    (lambda p: {**p, "verifiableCredential": ["https://example.org/credential/1"]}, "must be an object"),
])
def test_what_is_not_a_verifiable_presentation_is_refused_with_the_rule_it_breaks(client, world, holder, token, change, reason):
    presentation = change(_signed(_presentation(holder, []), holder))
    refused = _verify(client, presentation, token, challenge=CHALLENGE, domain=DOMAIN)
    assert refused.status_code == 422 and refused.json()["verified"] is False
    assert any(reason in e for e in refused.json()["errors"]), refused.json()["errors"]
    assert refused.json()["problemDetails"][0]["type"].startswith("https://www.w3.org/TR/vc-data-model#")


def test_an_unknown_context_added_after_signing_fails_the_proof_without_a_server_error(client, world, holder, token):
    presentation = _signed(_presentation(holder, []), holder)
    for extra in ("https://example.com", {"@vocab": None}):
        changed = {**presentation, "@context": [VC_V2, extra]}
        refused = _verify(client, changed, token, challenge=CHALLENGE, domain=DOMAIN)
        assert refused.status_code == 422 and refused.json()["presentationResult"]["verified"] is False


def test_hostile_bodies_are_answered_with_4xx_for_a_verifier_app_too(client, world, token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    deep = "[" * 5000 + "]" * 5000
    body = '{"verifiablePresentation": {"type": ["VerifiablePresentation"], "x": ' + deep + '}, "options": {"challenge": "c"}}'
    assert 400 <= client.post(PRESENT, body, content_type="application/json", **auth).status_code < 500
    huge = json.dumps({"verifiablePresentation": {"type": ["VerifiablePresentation"], "x": "a" * 3_000_000}, "options": {"challenge": "c"}})
    assert 400 <= client.post(PRESENT, huge, content_type="application/json", **auth).status_code < 500
    many = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [{}] * 21}
    assert _verify(client, many, token, challenge="c").status_code == 422
    assert _verify(client, {"type": ["VerifiablePresentation"]}, token, challenge="c", domain=7).status_code == 400


def test_without_a_valid_token_a_foreign_challenge_is_not_verified(client, world, holder, token):
    presentation = _signed(_presentation(holder, []), holder)
    # No token: only the platform's own requests are answered, and this challenge is none of them.
    assert _verify(client, presentation, None, challenge=CHALLENGE, domain=DOMAIN).status_code == 404
    wrong = _verify(client, presentation, "not-a-token", challenge=CHALLENGE, domain=DOMAIN)
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == "Bearer"
    from ortaq.accounts.models import ApiToken

    api_token_revoke(actor=world["registrar_b"], token=ApiToken.objects.get(user=world["registrar_b"]))
    assert _verify(client, presentation, token, challenge=CHALLENGE, domain=DOMAIN).status_code == 401


def test_the_platforms_own_requests_keep_their_replay_protection_even_with_a_token(client, world, holder, token):
    request = presentation_request_create()
    credential = _issued(client, world, holder.controller)
    presentation = _signed(_presentation(holder, [credential]), holder, challenge=request.challenge, domain=request.domain)
    first = _verify(client, presentation, token, challenge=request.challenge, domain=request.domain)
    assert first.status_code == 200, first.json()
    assert _verify(client, presentation, token, challenge=request.challenge, domain=request.domain).status_code == 409


@pytest.mark.interop
def test_a_presentation_signed_by_the_digital_bazaar_stack_verifies_for_the_callers_challenge(client, world, holder, token, tmp_path):
    from tests.credentials.test_presentations import _node_present

    credential = _issued(client, world, holder.controller)
    presentation = _node_present(holder, [credential], CHALLENGE, DOMAIN, tmp_path)
    response = _verify(client, presentation, token, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 200 and response.json()["verified"] is True, response.json()
    tampered = {**presentation, "holder": creds.generate_key().controller}
    assert _verify(client, tampered, token, challenge=CHALLENGE, domain=DOMAIN).status_code == 422
