"""The registrar's side of issued credentials: the PDF of what they issued, a search, a detail page with how often
each credential was shared and verified, a reprint and a ZIP of a batch's certificates. A registrar of another
college finds none of it, a student does not reach the desk."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.cache import caches

from ortaq.audit.models import AuditEvent
from ortaq.credentials import services
from ortaq.credentials.models import IssuedCredential


@pytest.fixture(autouse=True)
def _no_throttle(db):
    caches["throttle"].clear()


def test_the_registrar_downloads_the_pdf_of_a_diploma_they_issued_from_the_desk(client, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    client.force_login(registrar)
    desk = client.get("/en/wallet/registrar/").text
    assert f"/en/wallet/{credential.public_id}/certificate.pdf" in desk and f"/en/wallet/{credential.public_id}/" in desk
    response = client.get(f"/en/wallet/{credential.public_id}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("who", ["registrar_b", "registrar_a", "student_a", "coordinator_a"])
def test_nobody_outside_the_issuing_registrars_and_the_holder_opens_a_credential(client, world, issued, who):
    """College A co-signs the joint college's diplomas but did not issue them: its registrar does not manage them."""
    credential = IssuedCredential.objects.filter(batch=issued[0]).first()
    client.force_login(world[who])
    for address in ("", "certificate.pdf", "credential.json"):
        assert client.get(f"/en/wallet/{credential.public_id}/{address}").status_code == 404
    assert client.post(f"/en/wallet/{credential.public_id}/reprint/").status_code == 404


def test_the_registrar_searches_by_name_kind_status_and_date(client, issued):
    batch, programme, joint, registrar, graduates = issued
    dana = IssuedCredential.objects.get(holder=graduates[0])
    services.credential_set_state(actor=registrar, credential=IssuedCredential.objects.get(holder=graduates[1]), state="suspended", reason="Review")
    client.force_login(registrar)
    today = dt.date.today().isoformat()

    def found(**query):
        page = client.get("/en/wallet/registrar/credentials/", query)
        assert page.status_code == 200
        return {c.pk for c in page.context["page"]}

    everyone = set(IssuedCredential.objects.filter(batch=batch).values_list("pk", flat=True))
    assert found() == everyone and len(everyone) == 3
    assert found(q="Серікқызы") == {dana.pk} == found(q="dana serik")
    assert found(q=dana.verify_code) == {dana.pk}
    assert found(kind="diploma") == everyone and found(kind="module") == set()
    assert found(state="suspended") == {IssuedCredential.objects.get(holder=graduates[1]).pk}
    assert found(issued_from=today, issued_to=today) == everyone and found(issued_to="2020-01-01") == set()
    assert found(batch=batch.pk) == everyone


def test_a_registrar_of_another_college_finds_nothing_and_a_student_is_refused(client, world, issued):
    client.force_login(world["registrar_b"])
    assert list(client.get("/en/wallet/registrar/credentials/").context["page"]) == []
    assert client.get("/en/wallet/registrar/credentials/certificates.zip").status_code == 302  # nothing to pack: back to the search
    client.force_login(world["student_a"])
    assert client.get("/en/wallet/registrar/credentials/").status_code == 403
    assert client.get("/en/wallet/registrar/credentials/certificates.zip").status_code == 403


@pytest.mark.parametrize("query", [{"issued_from": "9999-99-99"}, {"batch": "9" * 400}, {"kind": "a\x00b"}, {"q": "x" * 5000}, {"state": "²"}])
def test_a_hostile_search_shows_the_error_and_never_fails(client, issued, query):
    client.force_login(issued[3])
    response = client.get("/en/wallet/registrar/credentials/", query)
    assert response.status_code == 200 and 'class="error"' in response.text


def test_the_detail_page_shows_the_registrar_how_often_a_credential_was_shared_and_verified(client, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    code = services.share_code_create(actor=graduates[0], credential=credential, days=5)
    services.shared_set_create(actor=graduates[0], credentials=[credential], days=5)
    client.get(f"/en/verify/{code.code}")
    client.get(f"/en/verify/{credential.verify_code}")
    credential.refresh_from_db()
    assert (credential.share_count, credential.verification_count) == (2, 2)

    client.force_login(registrar)
    page = client.get(f"/en/wallet/{credential.public_id}/").text
    assert '<dd id="share-count">2 times</dd>' in page and '<dd id="verification-count">2 times</dd>' in page
    assert code.code not in page  # the holder's codes are the holder's
    search = client.get("/en/wallet/registrar/credentials/", {"q": "Dana"}).text
    assert "<td>2</td><td>2</td>" in search


def test_a_failed_verification_is_not_counted(client, issued):
    credential = IssuedCredential.objects.filter(batch=issued[0]).first()
    document = credential.document | {"validFrom": "2020-01-01T00:00:00Z"}  # tampered: the signature no longer matches
    import json

    client.post("/en/verify/", {"document": json.dumps(document)})
    credential.refresh_from_db()
    assert credential.verification_count == 0


def test_the_registrar_reprints_a_certificate_and_the_reprint_is_audited(client, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    credential.pdf.delete(save=True)  # the stored file was lost
    client.force_login(registrar)
    response = client.post(f"/en/wallet/{credential.public_id}/reprint/", follow=True)
    assert response.redirect_chain[-1][0] == f"/en/wallet/{credential.public_id}/"
    credential.refresh_from_db()
    assert credential.pdf and credential.pdf.read().startswith(b"%PDF-")
    assert AuditEvent.objects.filter(object_type="credentials.issuedcredential", object_id=str(credential.pk), summary="reprint", actor=registrar).exists()


def test_the_registrar_downloads_a_batchs_certificates_as_one_zip(client, world, issued):
    batch, programme, joint, registrar, graduates = issued
    other = services.micro_credential_issue(actor=world["registrar_b"], issuer_institution=world.b, holder=world["student_b"], idempotency_key="zip:b",
                                            title={"en": "Not theirs"}, description={"en": "B"}, competences=[], date=dt.date(2026, 6, 30))
    client.force_login(registrar)
    response = client.get("/en/wallet/registrar/credentials/certificates.zip", {"batch": batch.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    expected = {f"credential-{c.public_id}.pdf" for c in batch.credentials.all()}
    assert set(archive.namelist()) == expected and len(expected) == 3
    assert all(archive.read(name).startswith(b"%PDF-") for name in expected)
    everything = zipfile.ZipFile(io.BytesIO(client.get("/en/wallet/registrar/credentials/certificates.zip").content))
    assert f"credential-{other.public_id}.pdf" not in everything.namelist()
    assert f"/en/wallet/registrar/credentials/certificates.zip?batch={batch.pk}" in client.get("/en/wallet/registrar/").text


def test_a_zip_that_would_render_too_many_certificates_is_refused_with_a_reason(client, issued, monkeypatch):
    from ortaq.credentials import views

    batch, programme, joint, registrar, graduates = issued
    IssuedCredential.objects.filter(batch=batch).update(pdf="")  # none stored
    monkeypatch.setattr(views, "ZIP_RENDER_MAX", 2)
    client.force_login(registrar)
    response = client.get("/en/wallet/registrar/credentials/certificates.zip", {"batch": batch.pk}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/en/wallet/registrar/credentials/?")
    assert "3 of these certificates have no stored PDF yet" in response.text
