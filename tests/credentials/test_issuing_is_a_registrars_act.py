"""Every signature with an institution's key is a registrar's act: checked, recorded, revocable, audited —
whether it comes from the registrar's desk, a batch, the VC-API or a workflow that ends in a credential."""

import datetime as dt
import json

import pytest

import ortaq.engines.credentials as creds
from ortaq.accounts.services import api_token_create
from ortaq.audit.models import AuditEvent
from ortaq.credentials import services
from ortaq.credentials.external import vc_api_issue
from ortaq.credentials.keys import issuer_ensure, key_rotate, signing_key
from ortaq.credentials.models import BatchState, CredentialKind, CredentialState, IssuedCredential, IssuerKey
from ortaq.credentials.status_lists import list_url
from ortaq.credentials.verification import verify_document
from ortaq.errors import Forbidden
from tests.conftest import make_user

ISSUE = "/api/v1/vc/credentials/issue"
VERIFY = "/api/v1/vc/credentials/verify"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _credential(**extra) -> dict:
    return {"@context": [VC_V2], "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:learner"}, **extra}


def _post(client, user, path, body, **headers):
    if user is not None:
        _t, secret = api_token_create(actor=user, name="vc")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize("who", ["coordinator_a", "teacher_a", "student_a", "analyst"])
def test_the_vc_api_refuses_to_sign_for_anyone_but_a_registrar(client, world, who):
    response = _post(client, world[who], ISSUE, {"credential": _credential(name="Diploma")})
    assert response.status_code == 403
    assert "proof" not in response.content.decode()
    assert IssuedCredential.objects.count() == 0


def test_what_the_vc_api_signs_is_recorded_with_status_entries_audited_and_revocable(client, world):
    response = _post(client, world["registrar_a"], ISSUE, {"credential": _credential(name="Welding module")})
    assert response.status_code == 201
    signed = response.json()["verifiableCredential"]
    record = IssuedCredential.objects.get()
    assert record.kind == CredentialKind.EXTERNAL and record.holder is None and record.issued_by == world["registrar_a"]
    assert record.document == signed and signed["id"] == f"urn:uuid:{record.public_id}"
    purposes = {entry["statusPurpose"] for entry in signed["credentialStatus"]}
    assert purposes == {"revocation", "suspension"}
    assert AuditEvent.objects.filter(action="create", object_id=str(record.pk), actor=world["registrar_a"]).exists()
    assert _post(client, None, VERIFY, {"verifiableCredential": signed}).status_code == 200

    services.credential_set_state(actor=world["registrar_a"], credential=record, state=CredentialState.REVOKED, reason="issued in error")
    revoked = _post(client, None, VERIFY, {"verifiableCredential": signed})
    assert revoked.status_code == 422 and revoked.json()["status"] == "revoked"


def test_a_caller_chosen_id_is_kept_and_found_in_the_register(client, world):
    response = _post(client, world["registrar_a"], ISSUE, {"credential": _credential(id="https://college-a.example/credentials/7")})
    signed = response.json()["verifiableCredential"]
    assert signed["id"] == "https://college-a.example/credentials/7"
    assert IssuedCredential.objects.get().external_id == signed["id"]
    assert verify_document(signed)["verified"] is True


def test_the_same_idempotency_key_returns_the_first_credential(client, world):
    first = _post(client, world["registrar_a"], ISSUE, {"credential": _credential()}, HTTP_IDEMPOTENCY_KEY="run-1")
    again = _post(client, world["registrar_a"], ISSUE, {"credential": _credential()}, HTTP_IDEMPOTENCY_KEY="run-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and IssuedCredential.objects.count() == 1


def test_a_registrar_cannot_issue_as_another_institution_nor_take_an_entry_in_the_platforms_status_lists(client, world):
    other = issuer_ensure(actor=world["registrar_b"], institution=world.b)
    assert _post(client, world["registrar_a"], ISSUE, {"credential": _credential(issuer=other.did)}).status_code == 403
    ours = list_url(issuer_ensure(actor=world["registrar_a"], institution=world.a), "revocation")
    status = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "1", "statusListCredential": ours}
    assert _post(client, world["registrar_a"], ISSUE, {"credential": _credential(credentialStatus=status)}).status_code == 400
    assert IssuedCredential.objects.count() == 0


def test_a_credential_signed_with_the_key_outside_the_register_does_not_verify(client, world):
    """What the old VC-API did for a coordinator: a valid signature of a registered issuer, but no record."""
    issuer = issuer_ensure(actor=world["registrar_a"], institution=world.a)
    forged = creds.sign({**_credential(name="Diploma"), "issuer": issuer.did, "id": "urn:uuid:5b0c1a0e-0000-4000-8000-000000000001"}, signing_key(issuer))
    report = verify_document(forged)
    register = next(c for c in report["checks"] if c["check"] == "register")
    assert report["verified"] is False and register["ok"] is False and "not in its register" in register["reason"]
    assert _post(client, None, VERIFY, {"verifiableCredential": forged}).status_code == 422

    page = client.post("/en/verify/", {"document": json.dumps(forged)})
    assert "Not verified" in page.content.decode()


def test_the_verify_page_names_the_registered_institution_not_the_name_the_document_claims(client, world):
    record = vc_api_issue(actor=world["registrar_a"], credential={**_credential(), "issuer": {"id": issuer_ensure(actor=world["registrar_a"], institution=world.a).did,
                                                                                          "name": "Ministry of Everything"}})
    page = client.post("/en/verify/", {"document": json.dumps(record.document)}).content.decode()
    issuer_line = page.split('id="verify-issuer">', 1)[1].split("</dd>", 1)[0]
    assert "College A" in issuer_line and "Ministry of Everything" not in issuer_line


@pytest.mark.parametrize("who, allowed", [("registrar_a", True), ("admin", True), ("coordinator_a", False), ("teacher_a", False), ("registrar_b", False)])
def test_only_a_registrar_or_an_administrator_rotates_or_compromises_a_key(client, world, who, allowed):
    issuer = issuer_ensure(actor=world["registrar_a"], institution=world.a)
    if allowed:
        key_rotate(actor=world[who], issuer=issuer, compromised=True)
        assert IssuerKey.objects.filter(issuer=issuer, compromised=True).count() == 1
    else:
        with pytest.raises(Forbidden):
            key_rotate(actor=world[who], issuer=issuer, compromised=True)
        client.force_login(world[who])
        assert client.post(f"/en/wallet/registrar/issuers/{issuer.pk}/rotate/", {"compromised": "1"}).status_code in (403, 404)
        assert IssuerKey.objects.filter(issuer=issuer).count() == 1 and not IssuerKey.objects.filter(compromised=True).exists()


def test_a_coordinator_cannot_make_an_institution_an_issuer(world):
    with pytest.raises(Forbidden):
        issuer_ensure(actor=world["coordinator_a"], institution=world.a)


def test_the_registrar_who_prepared_a_batch_does_not_approve_it_when_someone_else_can(client, world, joint_programme, django_capture_on_commit_callbacks):
    programme, joint, registrar, graduates = joint_programme
    batch = services.batch_request(actor=registrar, programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))
    with pytest.raises(Forbidden):
        services.batch_approve(actor=registrar, batch=batch)
    client.force_login(registrar)
    desk = client.get("/en/wallet/registrar/").content.decode()
    assert 'id="four-eyes-rule"' in desk and "awaiting another registrar" in desk and "Approve and issue" not in desk

    with django_capture_on_commit_callbacks(execute=True):
        services.batch_approve(actor=world["registrar_a"], batch=batch)  # a registrar of another awarding institution
    batch.refresh_from_db()
    assert batch.state == BatchState.DONE and batch.approved_by == world["registrar_a"]


def test_a_lone_registrar_without_any_administrator_approves_alone_and_the_audit_says_so(world, joint_programme):
    from ortaq.accounts.models import Membership, User

    programme, joint, registrar, graduates = joint_programme
    User.objects.filter(is_superuser=True).update(is_active=False)
    Membership.objects.filter(role="registrar").exclude(user=registrar).delete()
    batch = services.batch_request(actor=registrar, programme=programme, holders=graduates[:1], graduation_date=dt.date(2026, 6, 30))
    services.batch_approve(actor=registrar, batch=batch)
    event = AuditEvent.objects.get(action="approve", object_id=str(batch.pk))
    assert event.after["approved_alone"] is True


def test_workflows_sign_only_for_the_roles_that_own_them(world, joint_programme):
    from ortaq.credentials.issuance import micro_credential_issue, module_certificate_issue

    programme, joint, registrar, graduates = joint_programme
    module = programme.modules.get()
    with pytest.raises(Forbidden):  # a coordinator does not sign module certificates
        module_certificate_issue(actor=world["coordinator_a"], module=module, holder=graduates[0], issuer_institution=world.a, date=dt.date(2026, 6, 30))
    with pytest.raises(Forbidden):  # a teacher signs no micro-credential for the college
        micro_credential_issue(actor=world["teacher_a"], issuer_institution=world.a, holder=graduates[0], idempotency_key="training:x",
                               title={"en": "x"}, description={"en": "x"}, competences=[], date=dt.date(2026, 6, 30))
    assert IssuedCredential.objects.count() == 0
    made = module_certificate_issue(actor=world["registrar_a"], module=module, holder=graduates[0], issuer_institution=world.a, date=dt.date(2026, 6, 30))
    assert made.issued_by == world["registrar_a"]
