"""The holder's wallet: only the links the holder can use, a page per credential with its share links and QR
codes, several credentials shared under one code (each verified on its own, revocable), and the JSON download."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import caches

from ortaq.audit.models import AuditEvent
from ortaq.credentials import services
from ortaq.credentials.models import IssuedCredential, SharedSet


@pytest.fixture(autouse=True)
def _no_throttle(db):
    caches["throttle"].clear()


@pytest.fixture
def two_credentials(world, issued):
    """A graduate's diploma and a micro-credential of college A."""
    batch, programme, joint, registrar, graduates = issued
    diploma = IssuedCredential.objects.get(holder=graduates[0])
    micro = services.micro_credential_issue(actor=world["registrar_a"], issuer_institution=world.a, holder=graduates[0], idempotency_key="wallet:micro",
                                            title={"en": "Safe welding", "kk": "Қауіпсіз дәнекерлеу"}, description={"en": "A short course"},
                                            competences=[], date=dt.date(2026, 6, 30))
    return graduates[0], diploma, micro


def test_a_students_wallet_does_not_offer_the_registrars_desk_but_a_registrars_does(client, world, issued):
    client.force_login(issued[4][0])
    wallet = client.get("/en/wallet/").text
    assert "/en/wallet/registrar/" not in wallet and "Registrar&#x27;s desk" not in wallet
    client.force_login(world["registrar_a"])
    assert "/en/wallet/registrar/" in client.get("/en/wallet/").text


def test_the_holder_opens_a_credential_shares_it_and_gets_a_link_with_its_qr_code(client, issued):
    credential = IssuedCredential.objects.filter(batch=issued[0]).first()
    client.force_login(credential.holder)
    assert f"/en/wallet/{credential.public_id}/" in client.get("/en/wallet/").text

    response = client.post(f"/en/wallet/{credential.public_id}/share/", {"days": "7"}, follow=True)

    code = credential.share_codes.get()
    page = response.text
    assert response.redirect_chain[-1][0] == f"/en/wallet/{credential.public_id}/"
    assert f"http://testserver/en/verify/{code.code}" in page or f"/en/verify/{code.code}" in page
    assert page.count("<svg") >= 1 and 'aria-label="QR code of the share link"' in page
    assert "✔ Verified" in page  # the holder sees their credential verified, as a verifier will


def test_the_json_download_is_the_signed_credential_as_a_json_file(client, issued):
    credential = IssuedCredential.objects.filter(batch=issued[0]).first()
    client.force_login(credential.holder)
    response = client.get(f"/en/wallet/{credential.public_id}/credential.json")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="credential-{credential.public_id}.json"'
    assert json.loads(response.content) == credential.document


def test_the_holder_shares_two_credentials_under_one_code_and_each_is_verified_on_its_own(client, two_credentials):
    holder, diploma, micro = two_credentials
    client.force_login(holder)
    response = client.post("/en/wallet/sets/", {"credentials": [str(diploma.public_id), str(micro.public_id)], "days": "30"}, follow=True)
    shared = SharedSet.objects.get(holder=holder)
    assert set(shared.credentials.all()) == {diploma, micro}
    assert f"/en/verify/{shared.code}" in response.text and "<svg" in response.text
    assert AuditEvent.objects.filter(object_type="credentials.sharedset", action="create", actor=holder).exists()

    client.logout()
    page = client.get(f"/en/verify/{shared.code}").text
    assert page.count("✔ Verified") == 2 and "Mechatronics" in page and "Safe welding" in page
    assert 'id="shared-set"' in page

    client.force_login(holder)
    client.post(f"/en/wallet/sets/{shared.code}/revoke/")
    client.logout()
    assert client.get(f"/en/verify/{shared.code}").status_code == 404
    assert IssuedCredential.objects.get(pk=diploma.pk).share_count == 1


def test_a_shared_set_cannot_include_someone_elses_credential(client, world, two_credentials):
    holder, diploma, micro = two_credentials
    theirs = IssuedCredential.objects.exclude(holder=holder).filter(batch=diploma.batch).first()
    client.force_login(holder)
    response = client.post("/en/wallet/sets/", {"credentials": [str(diploma.public_id), str(theirs.public_id)], "days": "30"})
    assert response.status_code == 404 and not SharedSet.objects.exists()
    garbage = client.post("/en/wallet/sets/", {"credentials": ["abc"], "days": "30"})
    assert garbage.status_code == 422 and "Select a valid choice." in garbage.text and not SharedSet.objects.exists()


def test_nobody_but_the_holder_revokes_a_shared_set(client, world, two_credentials):
    holder, diploma, micro = two_credentials
    shared = services.shared_set_create(actor=holder, credentials=[diploma], days=5)
    for other in (world["student_a"], diploma.batch.requested_by):
        client.force_login(other)
        assert client.post(f"/en/wallet/sets/{shared.code}/revoke/").status_code == 404
    shared.refresh_from_db()
    assert shared.revoked_at is None
