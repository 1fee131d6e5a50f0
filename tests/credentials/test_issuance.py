import datetime as dt

import pytest

from ortaq.credentials import selectors, services
from ortaq.credentials.issuance import diploma_issue
from ortaq.credentials.models import BatchState, IssuedCredential
from ortaq.credentials.verification import verify_document
from ortaq.errors import DomainError, Forbidden, ValidationFailed


def test_a_batch_is_signed_only_after_a_registrar_approves(world, joint_programme):
    programme, joint, registrar, graduates = joint_programme
    batch = services.batch_request(actor=registrar, programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))
    assert batch.state == BatchState.REQUESTED and IssuedCredential.objects.count() == 0
    with pytest.raises(Forbidden):
        services.batch_approve(actor=world["coordinator_a"], batch=batch)


def test_a_cohorts_dual_diplomas_carry_one_proof_per_awarding_institution_and_verify(world, issued):
    batch, programme, joint, registrar, graduates = issued
    assert batch.state == BatchState.DONE and batch.done == 3
    credential = IssuedCredential.objects.get(holder=graduates[0])
    assert credential.issuer.institution == joint
    assert len(credential.document["proof"]) == 3
    report = verify_document(credential.document)
    assert report["verified"] is True and report["status"] == "valid"
    assert len(report["signers"]) == 3
    names = [i["identityHash"] for i in credential.document["credentialSubject"]["identifier"]]
    assert names == ["Дана Серікқызы", "Dana Serikkyzy"]
    alignments = credential.document["credentialSubject"]["achievement"]["alignment"]
    assert len(alignments) == 3 and {a["targetCode"] for a in alignments} == {"5", "0714"}


def test_issuing_again_never_duplicates(world, issued, django_capture_on_commit_callbacks):
    batch, programme, joint, registrar, graduates = issued
    services.batch_run(batch.pk)  # a resumed or repeated run
    again = diploma_issue(actor=registrar, programme=programme, holder=graduates[0], graduation_date=dt.date(2026, 6, 30))
    assert IssuedCredential.objects.count() == 3
    assert again.pk == IssuedCredential.objects.get(holder=graduates[0]).pk


def test_a_batch_killed_midway_resumes_without_losses_or_duplicates(world, joint_programme, monkeypatch):
    from ortaq.credentials import issuance

    programme, joint, registrar, graduates = joint_programme
    batch = services.batch_request(actor=registrar, programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))
    batch.state, batch.approved_by = BatchState.APPROVED, registrar
    batch.save()
    real, calls = issuance.diploma_issue, {"n": 0}

    def crash_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(issuance, "diploma_issue", crash_on_second)
    with pytest.raises(RuntimeError):
        services.batch_run(batch.pk)
    assert IssuedCredential.objects.count() == 1
    monkeypatch.setattr(issuance, "diploma_issue", real)
    assert services.batch_run(batch.pk).state == BatchState.DONE
    assert sorted(IssuedCredential.objects.values_list("holder_id", flat=True)) == sorted(g.pk for g in graduates)


def test_only_students_of_an_awarding_institution_receive_its_diplomas(world, joint_programme):
    programme, joint, registrar, graduates = joint_programme
    with pytest.raises(ValidationFailed):
        services.batch_request(actor=registrar, programme=programme, holders=[world["student_b"]], graduation_date=dt.date(2026, 6, 30))
    with pytest.raises(Forbidden):
        services.batch_request(actor=world["registrar_b"], programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))


def test_revocation_shows_in_the_signed_status_list_and_in_verification(world, issued):
    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[1])
    with pytest.raises(Forbidden):
        services.credential_set_state(actor=world["registrar_a"], credential=credential, state="revoked", reason="x")
    with pytest.raises(ValidationFailed):
        services.credential_set_state(actor=registrar, credential=credential, state="revoked", reason=" ")
    services.credential_set_state(actor=registrar, credential=credential, state="suspended", reason="Under review")
    assert verify_document(credential.document)["status"] == "suspended"
    services.credential_set_state(actor=registrar, credential=credential, state="valid", reason="Review closed")
    assert verify_document(credential.document)["status"] == "valid"
    services.credential_set_state(actor=registrar, credential=credential, state="revoked", reason="Issued in error")
    report = verify_document(credential.document)
    assert report["verified"] is False and report["status"] == "revoked"
    with pytest.raises(DomainError):
        services.credential_set_state(actor=registrar, credential=credential, state="valid", reason="undo")
    other = IssuedCredential.objects.get(holder=graduates[0])
    assert verify_document(other.document)["status"] == "valid"


def test_a_rotated_key_still_verifies_what_it_signed(world, issued):
    from ortaq.credentials.keys import key_rotate

    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    key_rotate(actor=registrar, issuer=credential.issuer)
    assert verify_document(credential.document)["verified"] is True
    later = diploma_issue(actor=registrar, programme=programme, holder=world["student_a"], graduation_date=dt.date(2026, 7, 1))
    assert later.document["proof"][0]["verificationMethod"].endswith("#key-2")
    assert verify_document(later.document)["verified"] is True


def test_secret_keys_are_stored_encrypted(world, issued):
    from ortaq.credentials.keys import signing_key

    batch, *_ = issued
    record = batch.issuer.keys.get()
    seed = signing_key(batch.issuer).secret_seed
    assert seed not in bytes(record.secret_encrypted)


def test_share_codes_expire_and_can_be_revoked_by_the_holder(world, issued):
    from django.utils import timezone

    batch, programme, joint, registrar, graduates = issued
    credential = IssuedCredential.objects.get(holder=graduates[0])
    with pytest.raises(Forbidden):
        services.share_code_create(actor=graduates[1], credential=credential, days=10)
    with pytest.raises(ValidationFailed):
        services.share_code_create(actor=graduates[0], credential=credential, days=181)
    code = services.share_code_create(actor=graduates[0], credential=credential, days=1)
    assert selectors.credential_by_code(code.code.lower()) == credential
    code.expires_at = timezone.now() - dt.timedelta(seconds=1)
    code.save()
    assert selectors.credential_by_code(code.code) is None
    fresh = services.share_code_create(actor=graduates[0], credential=credential, days=30)
    services.share_code_revoke(actor=graduates[0], share_code=fresh)
    assert selectors.credential_by_code(fresh.code) is None
