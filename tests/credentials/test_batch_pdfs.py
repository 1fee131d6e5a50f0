"""The batch delivers "signed credential + PDF": each diploma's certificate is rendered once by the batch, kept
with the credential and served to the holder; resuming a batch fills in what is missing, never issues twice."""

import datetime as dt
import io
import json

import pytest
from pypdf import PdfReader

from ortaq.credentials import issuance, services
from ortaq.credentials.models import BatchState, IssuedCredential


def _read(credential):
    with credential.pdf.open("rb") as stored:
        return stored.read()


def test_a_batch_stores_each_diplomas_pdf_with_the_holders_name_and_the_credential_attached(world, issued):
    batch, programme, joint, registrar, graduates = issued
    credentials = list(IssuedCredential.objects.filter(batch=batch))
    assert len(credentials) == 3 and all(c.pdf for c in credentials)
    credential = IssuedCredential.objects.get(holder=graduates[0])
    assert credential.pdf.storage.exists(credential.pdf.name) and credential.pdf.name.endswith(f"{credential.public_id}.pdf")
    reader = PdfReader(io.BytesIO(_read(credential)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Дана Серікқызы" in text and "Dana Serikkyzy" in text and "Мехатроника" in text and credential.verify_code in text
    [name] = list(reader.attachments)
    assert json.loads(reader.attachments[name][0]) == credential.document


def test_the_holder_downloads_the_stored_pdf_and_other_languages_are_rendered(client, world, issued, monkeypatch):
    from ortaq.credentials import views

    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    client.force_login(graduates[0])
    real, rendered = views.credential_pdf, []
    monkeypatch.setattr(views, "credential_pdf", lambda c, **kw: rendered.append(kw) or real(c, **kw))
    stored = client.get(f"/en/wallet/{credential.public_id}/certificate.pdf")
    assert stored.status_code == 200 and stored.content == _read(credential) and rendered == []
    same = client.get(f"/en/wallet/{credential.public_id}/certificate.pdf?lang={credential.language}&second={credential.second_language}")
    assert same.content == _read(credential) and rendered == []
    other = client.get(f"/en/wallet/{credential.public_id}/certificate.pdf?lang=ru&second=zh-hans")
    assert other.status_code == 200 and rendered == [{"language": "ru", "second_language": "zh-hans"}]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(other.content)).pages)
    assert "Дана Серікқызы" in text and "机电一体化" in text
    credential.pdf.storage.delete(credential.pdf.name)  # a lost file: rendered again rather than an error
    assert client.get(f"/en/wallet/{credential.public_id}/certificate.pdf").status_code == 200 and len(rendered) == 2


def test_a_batch_stopped_while_rendering_resumes_with_every_pdf_and_no_duplicate(world, joint_programme, monkeypatch):
    from ortaq.credentials import pdf

    programme, joint, registrar, graduates = joint_programme
    batch = services.batch_request(actor=registrar, programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))
    batch.state, batch.approved_by = BatchState.APPROVED, registrar
    batch.save()
    real, calls = pdf.credential_pdf_store, {"n": 0}

    def crash_on_second(credential):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed while rendering")
        return real(credential)

    monkeypatch.setattr(pdf, "credential_pdf_store", crash_on_second)
    with pytest.raises(RuntimeError):
        services.batch_run(batch.pk)
    assert IssuedCredential.objects.count() == 2 and IssuedCredential.objects.exclude(pdf="").count() == 1
    unrendered = IssuedCredential.objects.get(pdf="")
    monkeypatch.setattr(pdf, "credential_pdf_store", real)
    assert services.batch_run(batch.pk).state == BatchState.DONE
    assert sorted(IssuedCredential.objects.values_list("holder_id", flat=True)) == sorted(g.pk for g in graduates)
    assert IssuedCredential.objects.filter(pdf="").count() == 0
    assert IssuedCredential.objects.get(holder=unrendered.holder).pk == unrendered.pk


def test_running_a_finished_batch_again_neither_issues_nor_renders(world, issued, monkeypatch):
    from ortaq.credentials import pdf

    batch, programme, joint, registrar, graduates = issued
    before = dict(IssuedCredential.objects.values_list("pk", "pdf"))
    monkeypatch.setattr(pdf, "credential_pdf_store", lambda credential: pytest.fail("rendered again"))
    IssuanceBatch = type(batch)
    IssuanceBatch.objects.filter(pk=batch.pk).update(state=BatchState.RUNNING)  # as if the worker died after the last one
    assert services.batch_run(batch.pk).state == BatchState.DONE
    assert dict(IssuedCredential.objects.values_list("pk", "pdf")) == before


def test_an_index_taken_by_another_worker_meanwhile_is_not_reused(world, joint_programme, monkeypatch):
    """The batch cache knows the indexes taken when it last looked; a clash with a concurrent worker's insert
    makes it reload and build the credential again instead of failing the batch."""
    import secrets

    programme, joint, registrar, graduates = joint_programme
    with issuance.batch_cache() as cache:
        first = issuance.diploma_issue(actor=registrar, programme=programme, holder=graduates[0], graduation_date=dt.date(2026, 6, 30))
        # Another worker's credential, committed with a lower pk than the cache has seen (so not re-read incrementally).
        cache.taken[first.issuer_id] = (set(), set(), first.pk + 1000)
        picks = iter([first.revocation_index, first.suspension_index])
        real = secrets.randbelow
        monkeypatch.setattr(secrets, "randbelow", lambda n: next(picks, None) if n == issuance.SIZE and picks.__length_hint__() else real(n))
        second = issuance.diploma_issue(actor=registrar, programme=programme, holder=graduates[1], graduation_date=dt.date(2026, 6, 30))
    assert second.revocation_index != first.revocation_index and second.suspension_index != first.suspension_index
    assert IssuedCredential.objects.count() == 2
    assert second.document["credentialStatus"][0]["statusListIndex"] == str(second.revocation_index)


def test_a_key_rotated_during_a_batch_signs_the_rest(world, joint_programme):
    from ortaq.credentials.keys import key_rotate

    programme, joint, registrar, graduates = joint_programme
    with issuance.batch_cache():
        first = issuance.diploma_issue(actor=registrar, programme=programme, holder=graduates[0], graduation_date=dt.date(2026, 6, 30))
        key_rotate(actor=registrar, issuer=first.issuer)
        second = issuance.diploma_issue(actor=registrar, programme=programme, holder=graduates[1], graduation_date=dt.date(2026, 6, 30))
    assert first.document["proof"][0]["verificationMethod"].endswith("#key-1")
    assert second.document["proof"][0]["verificationMethod"].endswith("#key-2")
    assert len(second.document["proof"]) == 3
