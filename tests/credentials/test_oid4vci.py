"""Issuing into wallets with OpenID for Verifiable Credential Issuance 1.0, pre-authorised code flow: the offer in
the QR code, the issuer's metadata, the token endpoint (the code works once), the nonce endpoint and the credential
endpoint, which checks the wallet's jwt key proof (typ, aud, nonce, signature) and binds the credential to its
did:key. Wrong nonces, audiences, signatures, used or expired codes and hostile JSON are refused."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

import ortaq.engines.credentials as creds
from ortaq.credentials.exchanges import wallet_offers_create
from ortaq.credentials.models import IssuedCredential, WalletOffer
from ortaq.credentials.oid4vci import PRE_AUTHORIZED_GRANT, credential_offer_uri
from ortaq.credentials.verification import verify_document

from .wallet_helpers import diploma, proof_jwt  # noqa: F401 (a fixture)

TOKEN, NONCE, CREDENTIAL = "/api/v1/oid4vci/token", "/api/v1/oid4vci/nonce", "/api/v1/oid4vci/credential"


@pytest.fixture
def offer(diploma):
    _vc_api, oid4vci = wallet_offers_create(actor=diploma.holder, credential=diploma)
    return oid4vci


def _offer_from_qr(offer) -> dict:
    uri = credential_offer_uri(offer)
    assert uri.startswith("openid-credential-offer://?credential_offer=")
    return json.loads(parse_qs(urlsplit(uri).query)["credential_offer"][0])


def _token(client, code) -> object:
    return client.post(TOKEN, {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code})


def _access(client, offer) -> str:
    response = _token(client, offer.secret)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()["access_token"]


def _nonce(client) -> str:
    response = client.post(NONCE)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    return response.json()["c_nonce"]


def _request(client, token, body):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(CREDENTIAL, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _body(jwt: str) -> dict:
    return {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": [jwt]}}


def test_the_issuer_publishes_its_metadata_and_authorisation_server(client, db):
    metadata = client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == settings.SITE_ROOT
    assert metadata["credential_endpoint"].endswith(CREDENTIAL) and metadata["nonce_endpoint"].endswith(NONCE)
    badge = metadata["credential_configurations_supported"]["OpenBadgeCredential_ldp_vc"]
    assert badge["format"] == "ldp_vc" and badge["cryptographic_binding_methods_supported"] == ["did:key"]
    assert badge["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == ["EdDSA"]
    assert "OpenBadgeCredential" in badge["credential_definition"]["type"]
    server = client.get("/.well-known/oauth-authorization-server").json()
    assert server["token_endpoint"].endswith(TOKEN) and PRE_AUTHORIZED_GRANT in server["grant_types_supported"]


def test_the_offer_names_the_issuer_the_credential_and_a_pre_authorised_code(offer):
    parsed = _offer_from_qr(offer)
    assert parsed["credential_issuer"] == settings.SITE_ROOT
    assert parsed["credential_configuration_ids"] == ["OpenBadgeCredential_ldp_vc"]
    assert parsed["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"] == offer.secret


def test_the_wallet_receives_the_credential_bound_to_its_did(client, offer):
    wallet = creds.generate_key()
    token = _access(client, offer)
    response = _request(client, token, _body(proof_jwt(wallet, aud=settings.SITE_ROOT, nonce=_nonce(client))))
    assert response.status_code == 200, response.content
    (issued,) = response.json()["credentials"]
    copy = issued["credential"]
    assert copy["credentialSubject"]["id"] == wallet.controller
    assert verify_document(copy)["verified"]
    record = IssuedCredential.objects.get(wallet_claim__pk=offer.pk)
    assert record.document == copy and WalletOffer.objects.get(pk=offer.pk).holder_did == wallet.controller


def test_the_c_nonce_of_the_token_response_works_too(client, offer):
    token_response = _token(client, offer.secret).json()
    wallet = creds.generate_key()
    response = _request(client, token_response["access_token"], _body(proof_jwt(wallet, aud=settings.SITE_ROOT, nonce=token_response["c_nonce"])))
    assert response.status_code == 200, response.content


def test_a_pre_authorised_code_works_once_and_not_after_it_expired(client, offer, diploma):
    _access(client, offer)
    assert _token(client, offer.secret).json()["error"] == "invalid_grant"
    _vc_api, late = wallet_offers_create(actor=diploma.holder, credential=diploma)
    WalletOffer.objects.filter(pk=late.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _token(client, late.secret).status_code == 400
    assert _token(client, "nope").json()["error"] == "invalid_grant"
    assert client.post(TOKEN, {"grant_type": "authorization_code", "code": offer.secret}).json()["error"] == "unsupported_grant_type"


def test_an_access_token_gives_one_credential(client, offer):
    wallet = creds.generate_key()
    token = _access(client, offer)
    assert _request(client, token, _body(proof_jwt(wallet, aud=settings.SITE_ROOT, nonce=_nonce(client)))).status_code == 200
    again = _request(client, token, _body(proof_jwt(wallet, aud=settings.SITE_ROOT, nonce=_nonce(client))))
    assert again.status_code == 401 and again.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in again["WWW-Authenticate"]


def test_an_expired_or_missing_access_token_is_refused(client, offer):
    wallet = creds.generate_key()
    token = _access(client, offer)
    WalletOffer.objects.filter(pk=offer.pk).update(token_expires_at=timezone.now() - dt.timedelta(seconds=1))
    body = _body(proof_jwt(wallet, aud=settings.SITE_ROOT, nonce=_nonce(client)))
    assert _request(client, token, body).status_code == 401
    assert client.post(CREDENTIAL, json.dumps(body), content_type="application/json").status_code == 401


@pytest.mark.parametrize("change, error", [
    ({"nonce": "made-up"}, "invalid_nonce"),
    ({"aud": "https://evil.example"}, "invalid_proof"),
    ({"typ": "JWT"}, "invalid_proof"),
    ({"iat": 1_000_000_000}, "invalid_proof"),
    ({"forged": True}, "invalid_proof"),
    ({"kid": "did:web:evil.example#key-1"}, "invalid_proof"),
])
def test_a_bad_key_proof_is_refused_and_the_token_still_works(client, offer, change, error):
    wallet = creds.generate_key()
    token = _access(client, offer)
    options = {"aud": settings.SITE_ROOT, "nonce": _nonce(client), **{k: v for k, v in change.items() if k != "forged"}}
    if change.get("forged"):
        options["sign_with"] = creds.generate_key()  # another key signs, the header names the wallet's
    response = _request(client, token, _body(proof_jwt(wallet, **options)))
    assert response.status_code == 400 and response.json()["error"] == error, response.content
    assert not IssuedCredential.objects.filter(wallet_claim__isnull=False).exists()
    good = _request(client, token, _body(proof_jwt(wallet, aud=settings.SITE_ROOT, nonce=_nonce(client))))
    assert good.status_code == 200


def test_an_expired_nonce_is_refused(client, offer, monkeypatch):
    from ortaq.credentials import oid4vci

    token, nonce = _access(client, offer), _nonce(client)
    monkeypatch.setattr(oid4vci, "NONCE_LIFETIME", -1)
    response = _request(client, token, _body(proof_jwt(creds.generate_key(), aud=settings.SITE_ROOT, nonce=nonce)))
    assert response.json()["error"] == "invalid_nonce"


def test_malformed_requests_are_refused(client, offer):
    token = _access(client, offer)
    wallet = creds.generate_key()
    jwt = proof_jwt(wallet, aud=settings.SITE_ROOT, nonce=_nonce(client))
    cases = [
        ({"credential_configuration_id": "Passport", "proofs": {"jwt": [jwt]}}, "unknown_credential_configuration"),
        ({"credential_configuration_id": "OpenBadgeCredential_ldp_vc"}, "invalid_credential_request"),
        ({"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": [jwt, jwt]}}, "invalid_credential_request"),
        ({"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": ["a.b"]}}, "invalid_proof"),
        ({"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": ["x" * 10_000]}}, "invalid_proof"),
        ([], "invalid_credential_request"),
    ]
    for body, error in cases:
        response = _request(client, token, body)
        assert response.status_code == 400 and response.json()["error"] == error, (body, response.content)
    assert _request(client, token, b"[" * 100_000 + b"]" * 100_000).status_code in (400, 413)
    assert _request(client, token, b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}').status_code == 413
    assert client.post(TOKEN, {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "x" * 5000}).status_code == 400


def test_the_draft_13_single_proof_is_accepted(client, offer):
    token = _access(client, offer)
    jwt = proof_jwt(creds.generate_key(), aud=settings.SITE_ROOT, nonce=_nonce(client))
    response = _request(client, token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proof": {"proof_type": "jwt", "jwt": jwt}})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "ü" * 10, "x" * 65])
def test_a_code_or_token_that_no_offer_could_have_is_refused_without_asking_the_database(db, value, django_assert_num_queries):
    """Offer secrets and access tokens are URL-safe: a NUL byte (which PostgreSQL refuses in a query) is an
    invalid grant or token like any unknown one, never a server error."""
    from ortaq.credentials import exchanges, oid4vci

    assert not exchanges.is_offer_token(value)
    with django_assert_num_queries(0):
        with pytest.raises(oid4vci.OAuthError) as grant:
            oid4vci.token_exchange(grant_type=oid4vci.PRE_AUTHORIZED_GRANT, code=value)
        with pytest.raises(oid4vci.OAuthError) as token:
            oid4vci.credential_issue(authorization=f"Bearer {value}", request={})
    assert grant.value.error == "invalid_grant" and token.value.error == "invalid_token"
