"""A verifier application asks the platform for a challenge (VC-API ``POST /challenges``), puts it in its presentation
request, and has the holder's answer verified with its token: once, while fresh, and only by the application that
asked for it. Presentations are signed as a wallet signs them (eddsa-rdfc-2022, the holder's did:key)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

import ortaq.engines.credentials as creds
from ortaq.accounts.services import api_token_create
from ortaq.audit.models import AuditEvent
from ortaq.credentials.models import VerifierChallenge
from tests.credentials.test_vc_api_presentations_stateless import DOMAIN, _issued, _presentation, _signed

CHALLENGES = "/api/v1/vc/challenges"
PRESENT = "/api/v1/vc/presentations/verify"


@pytest.fixture
def verifier(world):
    _t, secret = api_token_create(actor=world["registrar_b"], name="employer's verifier")
    return {"user": world["registrar_b"], "auth": f"Bearer {secret}"}


def _challenge(client, auth, body="") -> str:
    response = client.post(CHALLENGES, body, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200, response.content
    return response.json()["challenge"]


def _verify(client, auth, presentation, challenge, domain=DOMAIN):
    options = {"challenge": challenge} | ({"domain": domain} if domain else {})
    return client.post(PRESENT, json.dumps({"verifiablePresentation": presentation, "options": options}),
                       content_type="application/json", HTTP_AUTHORIZATION=auth)


@pytest.mark.django_db
def test_a_verifier_application_gets_a_fresh_challenge_and_the_presentation_answering_it_verifies_once(client, world, verifier):
    holder = creds.generate_key()
    challenge = _challenge(client, verifier["auth"])
    assert len(challenge) >= 32 and challenge != _challenge(client, verifier["auth"], "{}")
    stored = VerifierChallenge.objects.get(challenge=challenge)
    assert stored.requested_by == verifier["user"] and stored.used_at is None
    assert AuditEvent.objects.filter(object_type="credentials.verifierchallenge", object_id=str(stored.pk), action="create",
                                     actor=verifier["user"]).exists()

    presentation = _signed(_presentation(holder, [_issued(client, world, holder.controller)]), holder, challenge=challenge)
    response = _verify(client, verifier["auth"], presentation, challenge)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verified"] is True and body["holder"] == holder.controller
    assert body["presentationResult"]["results"]["challenge"] == {"valid": True, "input": challenge}
    stored.refresh_from_db()
    assert stored.used_at is not None
    assert AuditEvent.objects.filter(object_id=str(stored.pk), object_type="credentials.verifierchallenge", action="update").count() == 1

    replay = _verify(client, verifier["auth"], presentation, challenge)
    assert replay.status_code == 409 and "already answered" in replay.json()["error"]


@pytest.mark.django_db
def test_a_presentation_that_does_not_verify_leaves_the_challenge_unused(client, world, verifier):
    holder, other = creds.generate_key(), creds.generate_key()
    challenge = _challenge(client, verifier["auth"])
    presentation = _signed(_presentation(holder, [_issued(client, world, holder.controller)]), other, challenge=challenge)  # not the holder's key
    response = _verify(client, verifier["auth"], presentation, challenge)
    assert response.status_code == 422 and response.json()["verified"] is False
    assert VerifierChallenge.objects.get(challenge=challenge).used_at is None
    # the holder's own answer still can use it
    good = _signed(_presentation(holder, [_issued(client, world, holder.controller)]), holder, challenge=challenge)
    assert _verify(client, verifier["auth"], good, challenge).status_code == 200


@pytest.mark.django_db
def test_an_expired_challenge_is_refused_with_410(client, world, verifier):
    holder = creds.generate_key()
    challenge = _challenge(client, verifier["auth"])
    VerifierChallenge.objects.filter(challenge=challenge).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    presentation = _signed(_presentation(holder, [_issued(client, world, holder.controller)]), holder, challenge=challenge)
    response = _verify(client, verifier["auth"], presentation, challenge)
    assert response.status_code == 410 and "expired" in response.json()["error"]


@pytest.mark.django_db
def test_another_account_cannot_spend_or_even_confirm_someone_elses_challenge(client, world, verifier):
    holder = creds.generate_key()
    challenge = _challenge(client, verifier["auth"])
    _t, intruder = api_token_create(actor=world["registrar_a"], name="someone else's app")
    presentation = _signed(_presentation(holder, [_issued(client, world, holder.controller)]), holder, challenge=challenge)
    response = _verify(client, f"Bearer {intruder}", presentation, challenge)
    assert response.status_code == 404
    assert VerifierChallenge.objects.get(challenge=challenge).used_at is None
    # Without a token a platform challenge of this kind is no presentation request either: 404, nothing spent.
    anonymous = client.post(PRESENT, json.dumps({"verifiablePresentation": presentation, "options": {"challenge": challenge}}),
                            content_type="application/json")
    assert anonymous.status_code == 404
    assert _verify(client, verifier["auth"], presentation, challenge).status_code == 200


@pytest.mark.django_db
def test_asking_for_a_challenge_needs_a_token_and_an_empty_body(client, verifier):
    assert client.post(CHALLENGES, "", content_type="application/json").status_code == 401
    assert client.post(CHALLENGES, "", content_type="application/json", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    for body in ('{"challenge": "mine"}', "[]", "null", "{", "[" * 5000 + "]" * 5000):
        response = client.post(CHALLENGES, body, content_type="application/json", HTTP_AUTHORIZATION=verifier["auth"])
        assert 400 <= response.status_code < 500, (body[:20], response.status_code)
    assert not VerifierChallenge.objects.exists()


@pytest.mark.django_db
def test_a_form_with_fields_is_refused_and_an_empty_one_is_an_empty_body(client, verifier):
    refused = client.post(CHALLENGES, {"challenge": "mine"}, HTTP_AUTHORIZATION=verifier["auth"])
    assert refused.status_code == 400 and not VerifierChallenge.objects.exists()
    assert client.post(CHALLENGES, HTTP_AUTHORIZATION=verifier["auth"]).status_code == 200
