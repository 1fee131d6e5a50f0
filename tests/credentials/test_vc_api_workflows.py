"""The VC-API workflow form of issuing into wallets: the graduate's app (their API token) creates an exchange on the
claim-credential workflow for one of their credentials, the wallet takes part at the workflow-scoped address, and the
graduate's app follows the exchange's state (pending, active, complete; invalid once expired)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

import ortaq.engines.credentials as creds
from ortaq.accounts.services import api_token_create
from ortaq.audit.models import AuditEvent
from ortaq.credentials.exchanges import WORKFLOW
from ortaq.credentials.models import WalletOffer
from ortaq.credentials.verification import verify_document

from .wallet_helpers import diploma, did_auth  # noqa: F401 (a fixture)

BASE = f"/api/v1/workflows/{WORKFLOW}"


def _auth(user) -> dict:
    _t, secret = api_token_create(actor=user, name="graduate's app")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _create(client, auth, body) -> object:
    return client.post(f"{BASE}/exchanges", json.dumps(body) if not isinstance(body, str) else body, content_type="application/json", **auth)


def _path(location: str) -> str:
    return location[location.index("/api/v1/"):]


def test_a_graduate_creates_an_exchange_a_wallet_completes_it_and_the_app_follows_its_state(client, diploma):
    auth = _auth(diploma.holder)
    created = _create(client, auth, {"variables": {"credential": str(diploma.public_id)}})
    assert created.status_code == 204, created.content
    location = created["Location"]
    assert f"/api/v1/workflows/{WORKFLOW}/exchanges/" in location
    exchange = _path(location)
    offer = WalletOffer.objects.get(secret=location.rsplit("/", 1)[1])
    assert offer.protocol == "vc-api" and offer.credential == diploma and offer.holder == diploma.holder
    assert AuditEvent.objects.filter(object_type="credentials.walletoffer", object_id=str(offer.pk), action="create", actor=diploma.holder).exists()
    state = client.get(exchange, **auth).json()
    assert state["state"] == "pending" and state["sequence"] == 0 and state["variables"] == {"credential": str(diploma.public_id)}

    request = client.post(exchange, "{}", content_type="application/json").json()["verifiablePresentationRequest"]
    assert request["interact"]["service"][0]["serviceEndpoint"] == location  # the address the wallet used
    assert client.get(exchange, **auth).json()["state"] == "active"
    assert client.get(f"{exchange}/protocols").json() == {"protocols": {"vcapi": location}}

    wallet = creds.generate_key()
    answer = client.post(exchange, json.dumps({"verifiablePresentation": did_auth(wallet, request["challenge"], request["domain"])}),
                         content_type="application/json")
    assert answer.status_code == 200, answer.content
    (copy,) = answer.json()["verifiablePresentation"]["verifiableCredential"]
    assert copy["credentialSubject"]["id"] == wallet.controller and verify_document(copy)["verified"]
    final = client.get(exchange, **auth).json()
    assert final["state"] == "complete" and final["step"] == "issue" and final["sequence"] == 2
    assert client.post(exchange, "{}", content_type="application/json").status_code == 409  # used up
    # the same exchange at its plain VC-API address is the same offer: used up there too
    assert client.post(f"/api/v1/exchanges/{offer.secret}", "{}", content_type="application/json").status_code == 409


def test_an_exchange_is_only_for_the_holders_own_valid_credential_and_its_state_only_for_them(client, diploma, world):
    intruder = _auth(world["registrar_a"])
    refused = _create(client, intruder, {"variables": {"credential": str(diploma.public_id)}})
    assert refused.status_code == 404 and not WalletOffer.objects.exists()
    auth = _auth(diploma.holder)
    exchange = _path(_create(client, auth, {"variables": {"credential": str(diploma.public_id)}})["Location"])
    assert client.get(exchange, **intruder).status_code == 404
    assert client.get(exchange).status_code == 401
    diploma.state = "revoked"
    diploma.save(update_fields=["state"])
    assert _create(client, auth, {"variables": {"credential": str(diploma.public_id)}}).status_code == 400


@pytest.mark.parametrize("body", [
    {}, {"variables": {}}, {"variables": {"credential": "not-a-uuid"}}, {"variables": {"credential": 7}},
    {"variables": {"credential": "x", "role": "admin"}}, {"variables": ["x"]}, {"variables": {"credential": "x"}, "steps": {}},
    "[]", "null", "{", "[" * 5000 + "]" * 5000,
])
def test_malformed_create_requests_are_refused_without_a_write(client, diploma, body):
    auth = _auth(diploma.holder)
    if isinstance(body, dict) and body.get("variables") == {"credential": "x"}:
        body = {**body, "variables": {"credential": str(diploma.public_id)}}
    response = _create(client, auth, body)
    assert 400 <= response.status_code < 500 and not WalletOffer.objects.exists()


def test_expires_may_shorten_the_exchange_but_not_lengthen_it_and_an_expired_one_is_invalid(client, diploma):
    auth = _auth(diploma.holder)
    now = timezone.now()
    for late in ((now + dt.timedelta(hours=1)).isoformat(), (now - dt.timedelta(minutes=1)).isoformat(), "2026-13-01T00:00:00Z", "tomorrow",
                 "2027-01-01T00:00:00"):
        response = _create(client, auth, {"variables": {"credential": str(diploma.public_id)}, "expires": late})
        assert response.status_code == 400, late
    soon = (now + dt.timedelta(minutes=5)).replace(microsecond=0)
    created = _create(client, auth, {"variables": {"credential": str(diploma.public_id)}, "expires": soon.isoformat().replace("+00:00", "Z")})
    assert created.status_code == 204
    offer = WalletOffer.objects.get()
    assert offer.expires_at == soon
    WalletOffer.objects.filter(pk=offer.pk).update(expires_at=now - dt.timedelta(seconds=1))
    exchange = _path(created["Location"])
    assert client.get(exchange, **auth).json()["state"] == "invalid"
    assert client.post(exchange, "{}", content_type="application/json").status_code == 410


def test_the_workflow_describes_its_steps_and_other_workflows_do_not_exist(client, diploma):
    auth = _auth(diploma.holder)
    described = client.get(BASE, **auth).json()
    assert described["initialStep"] == "didAuthentication" and described["steps"]["didAuthentication"]["nextStep"] == "issue"
    assert client.get("/api/v1/workflows/other", **auth).status_code == 404
    assert _create(client, auth, {"variables": {"credential": str(diploma.public_id)}}).status_code == 204
    assert client.post("/api/v1/workflows/other/exchanges", "{}", content_type="application/json", **auth).status_code == 404
