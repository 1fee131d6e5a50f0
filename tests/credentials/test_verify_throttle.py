"""Share codes cannot be guessed by trying: lookups of /verify/<code> are throttled per client address in
the cache every web process shares."""

from __future__ import annotations

from ortaq.credentials import services
from ortaq.credentials.models import IssuedCredential


def test_share_code_lookups_are_throttled_per_client_and_a_valid_code_waits_too(client, world, issued, settings):
    settings.ORTAQ_THROTTLES = {**settings.ORTAQ_THROTTLES, "share_code": (3, 60)}
    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    code = services.share_code_create(actor=graduates[0], credential=credential, days=5)
    guesses = [client.get(f"/en/verify/GUESS{n}").status_code for n in range(3)]
    assert guesses == [404, 404, 404]
    refused = client.get(f"/en/verify/{code.code}")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many attempts, try again in 1 minute." in refused.content.decode()
    assert "Дана Серікқызы" not in refused.content.decode()
    other = client.get(f"/en/verify/{code.code}", REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 200 and "Дана Серікқызы" in other.content.decode()


def test_the_code_form_goes_through_the_same_limit(client, world, settings):
    settings.ORTAQ_THROTTLES = {**settings.ORTAQ_THROTTLES, "share_code": (1, 60)}
    assert client.get("/en/verify/?code=GUESS1", follow=True).status_code == 404
    assert client.get("/en/verify/?code=GUESS2", follow=True).status_code == 429


def test_pasting_and_looking_up_are_counted_apart(client, world, settings):
    settings.ORTAQ_THROTTLES = {**settings.ORTAQ_THROTTLES, "share_code": (1, 60), "verify_page": (1, 60)}
    assert client.get("/en/verify/GUESS").status_code == 404
    assert client.post("/en/verify/", {"document": "{}"}).status_code == 200
    assert client.get("/en/verify/GUESS").status_code == 429
    assert client.post("/en/verify/", {"document": "{}"}).status_code == 429
