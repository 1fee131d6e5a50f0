"""VC-API "update credential status": an issuer's app revokes, suspends and reinstates a credential it issued, through
the same service as the registrar's desk (a registrar of the issuing institution only; revocation final; audited),
and verifiers see the change in the status lists."""

import json

import pytest

from ortaq.accounts.services import api_token_create
from ortaq.audit.models import AuditEvent
from ortaq.credentials.models import IssuedCredential

ISSUE = "/api/v1/vc/credentials/issue"
STATUS = "/api/v1/vc/credentials/status"
VERIFY = "/api/v1/vc/credentials/verify"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _auth(user) -> dict:
    _t, secret = api_token_create(actor=user, name="issuer app")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _issue(client, auth, **extra) -> dict:
    credential = {"@context": [VC_V2], "type": ["VerifiableCredential"], "name": "Welding module",
                  "credentialSubject": {"id": "did:example:learner"}, **extra}
    response = client.post(ISSUE, json.dumps({"credential": credential}), content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    return response.json()["verifiableCredential"]


def _set(client, auth, credential_id, purpose, on, **extra):
    body = {"credentialId": credential_id, "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose}, "status": on, **extra}
    return client.post(STATUS, json.dumps(body), content_type="application/json", **auth)


def _verified_status(client, document) -> tuple[bool, str]:
    report = client.post(VERIFY, json.dumps({"verifiableCredential": document}), content_type="application/json").json()
    return report["verified"], report["status"]


def test_an_issuers_app_suspends_reinstates_and_revokes_and_verifiers_see_each_change(client, world):
    auth = _auth(world["registrar_a"])
    document = _issue(client, auth)
    record = IssuedCredential.objects.get()
    assert _verified_status(client, document) == (True, "valid")

    response = _set(client, auth, document["id"], "suspension", True, reason="Under review")
    assert response.status_code == 200 and response.json()["suspended"] is True
    record.refresh_from_db()
    assert record.state == "suspended" and record.state_reason == "Under review"
    assert _verified_status(client, document) == (False, "suspended")
    assert _set(client, auth, document["id"], "suspension", True).status_code == 200  # already so: nothing changes
    assert AuditEvent.objects.filter(object_id=str(record.pk), action="transition", actor=world["registrar_a"]).count() == 1

    assert _set(client, auth, document["id"], "suspension", False).json()["state"] == "valid"
    assert _verified_status(client, document) == (True, "valid")

    revoked = _set(client, auth, document["id"], "revocation", True)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert _verified_status(client, document) == (False, "revoked")
    assert _set(client, auth, document["id"], "revocation", False).status_code == 409  # revocation is final
    assert _set(client, auth, document["id"], "suspension", False).status_code == 409
    record.refresh_from_db()
    assert record.state == "revoked" and record.state_reason == "Changed through the VC-API"
    assert AuditEvent.objects.filter(object_id=str(record.pk), action="transition").count() == 3


def test_a_credential_is_named_by_the_id_its_caller_gave_it_too(client, world):
    auth = _auth(world["registrar_a"])
    document = _issue(client, auth, id="https://college-a.example/credentials/77")
    assert _set(client, auth, "https://college-a.example/credentials/77", "suspension", True).status_code == 200
    assert IssuedCredential.objects.get().state == "suspended"


def test_nobody_but_a_registrar_of_the_issuing_institution_can_change_it(client, world):
    document = _issue(client, _auth(world["registrar_a"]))
    for login in ("registrar_b", "coordinator_a", "student_a"):
        response = _set(client, _auth(world[login]), document["id"], "revocation", True)
        assert response.status_code == 404, login
    assert client.post(STATUS, "{}", content_type="application/json").status_code == 401
    assert IssuedCredential.objects.get().state == "valid"
    assert not AuditEvent.objects.filter(action="transition").exists()


@pytest.mark.parametrize("body", [
    {}, {"credentialId": "x"}, {"credentialId": 7, "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": True},
    {"credentialId": "ID", "credentialStatus": {"type": "StatusList2021Entry", "statusPurpose": "revocation"}, "status": True},
    {"credentialId": "ID", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "message"}, "status": True},
    {"credentialId": "ID", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": "true"},
    {"credentialId": "ID", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": 1},
    {"credentialId": "ID", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "state": "x"}, "status": True},
    {"credentialId": "ID", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": True, "admin": True},
    {"credentialId": "ID", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": True, "reason": " "},
    {"credentialId": "ID", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": True, "reason": "x" * 2001},
    {"credentialId": "ID", "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status": True,
     "reason": "a\u001b[2Jb"},
    "[]", "null", "{", "[" * 5000 + "]" * 5000,
])
def test_malformed_requests_are_refused_and_change_nothing(client, world, body):
    auth = _auth(world["registrar_a"])
    document = _issue(client, auth)
    raw = body if isinstance(body, str) else json.dumps(body).replace('"ID"', json.dumps(document["id"]))
    response = client.post(STATUS, raw, content_type="application/json", **auth)
    assert 400 <= response.status_code < 500 and response.status_code != 404
    assert IssuedCredential.objects.get().state == "valid"


def test_an_unknown_credential_is_404(client, world):
    auth = _auth(world["registrar_a"])
    for unknown in ("urn:uuid:00000000-0000-0000-0000-000000000000", "urn:uuid:not-a-uuid", "https://nowhere.example/1", "x" * 600):
        assert _set(client, auth, unknown, "revocation", True).status_code == 404, unknown[:40]
