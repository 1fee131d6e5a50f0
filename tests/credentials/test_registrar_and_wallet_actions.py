"""The registrar's and the holder's actions, driven over HTTP: rotating an issuer's key, changing a credential's
status, and revoking a share code. Each is done by the person allowed (the effect is in the database and on the
page) and tried by someone of another institution (refused, nothing written)."""

from __future__ import annotations

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.credentials import services
from ortaq.credentials.models import CredentialState, IssuerKey, ShareCode
from ortaq.credentials.verification import verify_document


def _credential(batch):
    return batch.credentials.select_related("issuer").order_by("pk").first()


def test_a_registrar_rotates_the_key_on_the_page_the_new_key_is_listed_and_old_credentials_still_verify(client, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = _credential(batch)
    issuer = credential.issuer
    old_key = IssuerKey.objects.get(issuer=issuer)
    client.force_login(registrar)
    assert "1 key" in client.get("/en/wallet/registrar/").text

    response = client.post(f"/en/wallet/registrar/issuers/{issuer.pk}/rotate/", follow=True)

    assert response.redirect_chain[-1][0] == "/en/wallet/registrar/"
    assert "A new key signs from now on; the old one still verifies what it signed." in response.text
    assert "2 keys" in response.text
    keys = list(IssuerKey.objects.filter(issuer=issuer))
    assert len(keys) == 2 and keys[0].pk == old_key.pk and keys[0].retired_at is not None and not keys[0].compromised
    assert keys[1].retired_at is None
    assert verify_document(credential.document)["verified"] is True


def test_a_registrar_of_another_institution_cannot_rotate_the_key(client, world, issued):
    batch, *_ = issued
    issuer = _credential(batch).issuer
    client.force_login(world["registrar_b"])
    assert client.post(f"/en/wallet/registrar/issuers/{issuer.pk}/rotate/", {"compromised": "1"}).status_code == 404
    assert IssuerKey.objects.filter(issuer=issuer).count() == 1
    assert not IssuerKey.objects.filter(retired_at__isnull=False).exists()


def test_a_registrar_suspends_a_credential_on_the_page_with_a_reason(client, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = _credential(batch)
    client.force_login(registrar)

    response = client.post(f"/en/wallet/{credential.public_id}/state/", {"state": "suspended", "reason": "Under review"}, follow=True)

    assert "Status changed." in response.text and "Under review" in response.text
    credential.refresh_from_db()
    assert (credential.state, credential.state_reason) == (CredentialState.SUSPENDED, "Under review")
    event = AuditEvent.objects.get(object_type="credentials.issuedcredential", object_id=str(credential.pk), action="transition")
    assert (event.actor, event.before, event.after) == (registrar, {"state": "valid"}, {"state": "suspended", "reason": "Under review"})


def test_a_registrar_of_another_institution_cannot_change_a_credentials_status(client, world, issued):
    batch, *_ = issued
    credential = _credential(batch)
    client.force_login(world["registrar_b"])
    assert client.post(f"/en/wallet/{credential.public_id}/state/", {"state": "revoked", "reason": "Not ours"}).status_code == 404
    credential.refresh_from_db()
    assert credential.state == CredentialState.VALID
    assert not AuditEvent.objects.filter(object_type="credentials.issuedcredential", action="transition").exists()


def test_the_holder_revokes_a_share_code_on_the_credentials_page_and_the_code_stops_working(client, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = _credential(batch)
    holder = credential.holder
    code = services.share_code_create(actor=holder, credential=credential, days=30)
    client.force_login(holder)
    assert client.get(f"/en/verify/{code.code}").status_code == 200

    response = client.post(f"/en/wallet/{credential.public_id}/share/{code.code}/revoke/", follow=True)

    assert response.redirect_chain[-1][0] == f"/en/wallet/{credential.public_id}/"
    assert "The share code no longer works." in response.text
    code.refresh_from_db()
    assert code.revoked_at is not None
    assert AuditEvent.objects.filter(object_type="credentials.sharecode", object_id=str(code.pk), action="transition", actor=holder).count() == 1
    assert client.get(f"/en/verify/{code.code}").status_code == 404


@pytest.mark.parametrize("who", ["other_graduate", "registrar"])
def test_nobody_but_the_holder_revokes_a_share_code(client, issued, who):
    batch, programme, joint, registrar, graduates = issued
    credential = _credential(batch)
    code = services.share_code_create(actor=credential.holder, credential=credential, days=30)
    other = next(g for g in graduates if g.pk != credential.holder_id) if who == "other_graduate" else registrar
    client.force_login(other)
    assert client.post(f"/en/wallet/{credential.public_id}/share/{code.code}/revoke/").status_code == 404
    assert ShareCode.objects.get(pk=code.pk).revoked_at is None
    assert not AuditEvent.objects.filter(object_type="credentials.sharecode", action="transition").exists()
