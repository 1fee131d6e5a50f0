"""The registrar's desk through the REST API: a batch is prepared, approved by a second registrar and signed; issued
credentials are searched and revoked with a reason; nobody outside the issuing institution sees any of it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ortaq.accounts.services import api_token_create
from ortaq.credentials.models import IssuanceBatch, IssuedCredential
from tests.conftest import make_user


def api(user, method: str, url: str, body=None):
    headers = {}
    if user is not None:
        _token, secret = api_token_create(actor=user, name="test")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    call = getattr(Client(), method)
    if body is None:
        return call(f"/api/v1/credentials{url}", **headers)
    return call(f"/api/v1/credentials{url}", data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def batch_body(joint_programme):
    programme, _joint, _registrar, graduates = joint_programme
    return {"programme_id": programme.pk, "holder_ids": [g.pk for g in graduates], "graduation_date": "2026-06-30"}


def test_a_batch_prepared_by_one_registrar_is_approved_by_another_and_signed(world, joint_programme, batch_body, django_capture_on_commit_callbacks):
    _programme, joint, registrar, graduates = joint_programme
    created = api(registrar, "post", "/batches/", batch_body)
    assert created.status_code == 201, created.content
    batch = created.json()
    assert (batch["state"], batch["total"], batch["requested_by_id"]) == ("requested", 3, registrar.pk)
    alone = api(registrar, "post", f"/batches/{batch['id']}/approve")
    assert (alone.status_code, alone.json()["code"]) == (403, "forbidden")  # four eyes: another registrar exists
    second = make_user("registrar_joint_2", (joint, "registrar"))
    with django_capture_on_commit_callbacks(execute=True):
        approved = api(second, "post", f"/batches/{batch['id']}/approve?expected_version={batch['version']}")
    assert approved.status_code == 200, approved.content
    assert approved.json()["approved_by_id"] == second.pk
    state = api(registrar, "get", f"/batches/{batch['id']}").json()
    assert (state["state"], state["done"]) == ("done", 3)
    assert IssuedCredential.objects.filter(batch_id=batch["id"]).count() == 3


def test_approving_from_a_stale_version_is_refused_with_the_current_one(world, joint_programme, batch_body):
    _programme, joint, registrar, _graduates = joint_programme
    batch = api(registrar, "post", "/batches/", batch_body).json()
    stale = api(make_user("registrar_joint_2", (joint, "registrar")), "post", f"/batches/{batch['id']}/approve?expected_version={'0' * 16}")
    assert (stale.status_code, stale.json()["code"], stale.json()["current_version"]) == (409, "version_conflict", batch["version"])
    assert IssuanceBatch.objects.get(pk=batch["id"]).state == "requested"


def test_a_registrar_searches_and_revokes_with_a_reason_and_a_revocation_is_final(issued):
    batch, _programme, _joint, registrar, graduates = issued
    found = api(registrar, "get", "/issued/?q=Serikkyzy")
    assert found.status_code == 200
    assert [c["holder_id"] for c in found.json()["items"]] == [graduates[0].pk] and found.json()["count"] == 1
    credential = found.json()["items"][0]
    detail = api(registrar, "get", f"/issued/{credential['public_id']}").json()
    assert "VerifiableCredential" in detail["document"]["type"]
    assert api(registrar, "post", f"/issued/{credential['public_id']}/state", {"state": "revoked", "reason": " "}).status_code == 422
    revoked = api(registrar, "post", f"/issued/{credential['public_id']}/state",
                  {"state": "revoked", "reason": "Issued in error", "expected_version": credential["version"]})
    assert revoked.status_code == 200, revoked.content
    assert (revoked.json()["state"], revoked.json()["state_reason"]) == ("revoked", "Issued in error")
    again = api(registrar, "post", f"/issued/{credential['public_id']}/state", {"state": "valid", "reason": "Oops"})
    assert (again.status_code, again.json()["code"]) == (400, "revoked")
    assert api(registrar, "get", "/issued/?state=revoked").json()["count"] == 1


def test_another_college_sees_none_of_it_and_an_anonymous_caller_is_refused(world, issued):
    batch, _programme, _joint, _registrar, _graduates = issued
    credential = IssuedCredential.objects.filter(batch=batch).first()
    stranger = world["registrar_b"]
    assert api(stranger, "get", "/issued/").json()["count"] == 0
    assert api(stranger, "get", "/batches/").json()["count"] == 0
    assert api(stranger, "get", f"/issued/{credential.public_id}").status_code == 404
    assert api(stranger, "post", f"/issued/{credential.public_id}/state", {"state": "revoked", "reason": "Mine now"}).status_code == 404
    assert api(stranger, "get", f"/batches/{batch.pk}").status_code == 404
    assert api(None, "get", "/issued/").status_code == 401
    assert api(None, "post", f"/issued/{credential.public_id}/state", {"state": "revoked", "reason": "x"}).status_code == 401
    credential.refresh_from_db()
    assert credential.state == "valid"


def test_a_registrar_of_another_college_cannot_prepare_its_diplomas(world, batch_body):
    refused = api(world["registrar_b"], "post", "/batches/", batch_body)
    assert refused.status_code == 403
    assert not IssuanceBatch.objects.exists()
