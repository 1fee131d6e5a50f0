"""API tokens on the profile page: a person revokes their own token there and it stops working at once; a token of
somebody else (of another institution or not) is not found, and stays usable."""

from __future__ import annotations

from ortaq.accounts import services
from ortaq.accounts.models import ApiToken
from ortaq.audit.models import AuditEvent


def test_a_person_revokes_their_token_on_the_profile_page_and_it_stops_working(client, world):
    token, secret = services.api_token_create(actor=world["teacher_a"], name="laptop")
    client.force_login(world["teacher_a"])
    assert "laptop" in client.get("/en/accounts/profile/").text

    response = client.post(f"/en/accounts/tokens/{token.pk}/revoke/", follow=True)

    assert response.redirect_chain[-1][0] == "/en/accounts/profile/"
    assert "Token revoked." in response.text
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert AuditEvent.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk), action="token", actor=world["teacher_a"], after={"revoked": True}).count() == 1
    client.logout()
    assert client.get("/api/v1/institutions/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_a_token_of_someone_else_cannot_be_revoked_and_keeps_working(client, world):
    token, secret = services.api_token_create(actor=world["teacher_a"], name="laptop")
    for intruder in (world["teacher_b"], world["coordinator_a"]):
        client.force_login(intruder)
        assert client.post(f"/en/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert not AuditEvent.objects.filter(object_type="accounts.apitoken", after={"revoked": True}).exists()
    client.logout()
    assert client.get("/api/v1/institutions/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
