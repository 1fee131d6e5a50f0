"""Issuing into wallets through a VC-API exchange (the Learner Credential Wallet's protocol): the graduate makes a
one-time offer, the wallet starts the exchange with {}, is asked for DID authentication, answers with a
presentation its did:key signed, and receives a copy of the credential naming that DID; replays, expired offers,
foreign challenges, forged signatures and hostile JSON are refused."""

import datetime as dt
import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils import timezone

import ortaq.engines.credentials as creds
from ortaq.audit.models import AuditEvent
from ortaq.credentials import services
from ortaq.credentials.exchanges import exchange_url, lcw_deep_link, wallet_offers_create
from ortaq.credentials.verification import verify_document
from ortaq.credentials.models import IssuedCredential, WalletOffer
from ortaq.credentials.presentations import presentation_domain
from ortaq.credentials.selectors import wallet_of
from ortaq.errors import Forbidden

from .wallet_helpers import diploma, did_auth  # noqa: F401 (a fixture)


@pytest.fixture
def graduate_offer(diploma):
    vc_api, _oid4vci = wallet_offers_create(actor=diploma.holder, credential=diploma)
    return diploma, vc_api


def _post(client, offer_or_id, body):
    exchange_id = offer_or_id if isinstance(offer_or_id, str) else offer_or_id.secret
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(f"/api/v1/exchanges/{exchange_id}", data, content_type="application/json")


def _request(client, offer) -> dict:
    response = _post(client, offer, {})
    assert response.status_code == 200, response.content
    return response.json()["verifiablePresentationRequest"]


def test_the_wallet_is_asked_for_did_authentication_with_a_fresh_challenge_and_this_domain(client, graduate_offer):
    _credential, offer = graduate_offer
    request = _request(client, offer)
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["domain"] == presentation_domain()
    assert len(request["challenge"]) >= 32
    assert request["interact"]["service"][0]["serviceEndpoint"] == exchange_url(offer)
    assert _request(client, offer)["challenge"] != request["challenge"]  # every request gets its own


def test_the_lcw_deep_link_carries_the_exchange_url_as_its_vcapi_protocol(graduate_offer):
    _credential, offer = graduate_offer
    link = lcw_deep_link(offer)
    assert link.startswith("https://lcw.app/request.html?request=")
    request = json.loads(unquote(parse_qs(urlsplit(link).query)["request"][0]))
    assert request["protocols"]["vcapi"] == exchange_url(offer)


def test_the_wallet_receives_a_copy_bound_to_its_did_issued_audited_and_verifiable(client, graduate_offer):
    credential, offer = graduate_offer
    wallet = creds.generate_key()
    request = _request(client, offer)
    response = _post(client, offer, {"verifiablePresentation": did_auth(wallet, request["challenge"], request["domain"])})
    assert response.status_code == 200, response.content
    (copy,) = response.json()["verifiablePresentation"]["verifiableCredential"]
    assert copy["credentialSubject"]["id"] == wallet.controller
    assert copy["credentialSubject"]["achievement"] == credential.document["credentialSubject"]["achievement"]
    assert copy["id"] != credential.document["id"]
    report = verify_document(copy)
    assert report["verified"], report["checks"]  # signature, issuer, validity and status, as the verify page checks
    assert len(copy["proof"]) == 3  # the joint college signs, and the two co-awarding institutions co-sign, as on the original
    record = IssuedCredential.objects.get(wallet_claim=WalletOffer.objects.get(pk=offer.pk))
    assert record.holder == credential.holder and record.document == copy
    assert AuditEvent.objects.filter(action="create", object_id=str(record.pk), actor=credential.holder).exists()
    assert list(wallet_of(user=credential.holder)) == [credential]  # listed once, as the original


def test_a_used_exchange_refuses_a_replay_of_the_same_presentation(client, graduate_offer):
    _credential, offer = graduate_offer
    wallet = creds.generate_key()
    request = _request(client, offer)
    answer = {"verifiablePresentation": did_auth(wallet, request["challenge"], request["domain"])}
    assert _post(client, offer, answer).status_code == 200
    assert _post(client, offer, answer).status_code == 409
    assert _post(client, offer, {}).status_code == 409
    assert IssuedCredential.objects.filter(wallet_claim__isnull=False).count() == 1


def test_an_expired_exchange_is_refused(client, graduate_offer):
    _credential, offer = graduate_offer
    WalletOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _post(client, offer, {}).status_code == 410


def test_an_unknown_exchange_is_not_found(client, db):
    assert _post(client, "x" * 43, {}).status_code == 404
    assert _post(client, "x" * 300, {}).status_code == 404


def test_a_presentation_for_another_challenge_or_domain_or_holder_is_refused(client, graduate_offer):
    _credential, offer = graduate_offer
    wallet, other = creds.generate_key(), creds.generate_key()
    request = _request(client, offer)
    for presentation in (did_auth(wallet, "another-challenge", request["domain"]),
                         did_auth(wallet, request["challenge"], "evil.example"),
                         did_auth(other, request["challenge"], request["domain"], holder=wallet.controller)):
        response = _post(client, offer, {"verifiablePresentation": presentation})
        assert response.status_code == 400, response.content
    assert WalletOffer.objects.get(pk=offer.pk).completed_at is None


def test_a_tampered_signature_is_refused(client, graduate_offer):
    _credential, offer = graduate_offer
    request = _request(client, offer)
    presentation = did_auth(creds.generate_key(), request["challenge"], request["domain"])
    value = presentation["proof"]["proofValue"]
    presentation["proof"]["proofValue"] = value[:-4] + ("A" if value[-4] != "A" else "B") + value[-3:]
    assert _post(client, offer, {"verifiablePresentation": presentation}).status_code == 400
    assert not IssuedCredential.objects.filter(wallet_claim__isnull=False).exists()


def test_a_presentation_before_the_request_is_refused(client, graduate_offer):
    _credential, offer = graduate_offer
    response = _post(client, offer, {"verifiablePresentation": did_auth(creds.generate_key(), "", presentation_domain())})
    assert response.status_code == 400


def test_hostile_json_is_refused_before_parsing(client, graduate_offer):
    _credential, offer = graduate_offer
    assert _post(client, offer, b"[" * 100_000 + b"]" * 100_000).status_code in (400, 413)
    assert _post(client, offer, b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}').status_code == 413
    assert _post(client, offer, b"not json").status_code == 400
    assert _post(client, offer, b"[]").status_code == 400


def test_only_the_holder_makes_an_offer_and_another_students_exchange_gives_them_nothing(client, joint_programme, graduate_offer):
    credential, offer = graduate_offer
    other = joint_programme[3][1]
    with pytest.raises(Forbidden):
        wallet_offers_create(actor=other, credential=credential)
    client.force_login(other)
    assert client.get(f"/en/wallet/{credential.public_id}/add-to-wallet/").status_code == 404
    assert client.post(f"/en/wallet/{credential.public_id}/add-to-wallet/").status_code == 404
    # Whoever holds the exchange link takes a copy bound to their own DID: it carries the graduate's name and
    # counts as the graduate's act, which is why the link lives 15 minutes on the graduate's own page only.
    assert offer.holder == credential.holder


def test_the_copy_follows_the_originals_revocation_and_a_suspended_credential_is_not_offered(client, joint_programme, graduate_offer):
    credential, offer = graduate_offer
    request = _request(client, offer)
    _post(client, offer, {"verifiablePresentation": did_auth(creds.generate_key(), request["challenge"], request["domain"])})
    registrar = joint_programme[2]
    services.credential_set_state(actor=registrar, credential=credential, state="suspended", reason="under review")
    assert IssuedCredential.objects.get(wallet_claim__isnull=False).state == "suspended"
    fresh = WalletOffer.objects.create(protocol="vc-api", credential=credential, holder=credential.holder, secret="s" * 43,
                                       expires_at=timezone.now() + dt.timedelta(minutes=5))
    request = _request(client, fresh)
    response = _post(client, fresh, {"verifiablePresentation": did_auth(creds.generate_key(), request["challenge"], request["domain"])})
    assert response.status_code == 400
    services.credential_set_state(actor=registrar, credential=credential, state="revoked", reason="fraud")
    assert IssuedCredential.objects.get(wallet_claim=WalletOffer.objects.get(pk=offer.pk)).state == "revoked"


def test_the_holder_reaches_add_to_a_wallet_from_the_credential_page_and_sees_both_codes(client, graduate_offer):
    credential, _offer = graduate_offer
    client.force_login(credential.holder)
    detail = client.get(f"/en/wallet/{credential.public_id}/").content.decode()
    assert f"/en/wallet/{credential.public_id}/add-to-wallet/" in detail
    made = client.post(f"/en/wallet/{credential.public_id}/add-to-wallet/")
    assert made.status_code == 302
    page = client.get(made["Location"]).content.decode()
    newest = WalletOffer.objects.filter(credential=credential, protocol="vc-api").first()
    assert "https://lcw.app/request.html?request=" in page and newest.secret in page
    assert "openid-credential-offer://?credential_offer=" in page
    assert page.count("<svg") >= 2
