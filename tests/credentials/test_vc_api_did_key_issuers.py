"""An institution issues through the VC-API as its did:web or as a did:key of its own, with eddsa-rdfc-2022 or
eddsa-jcs-2022; whatever it signs is still recorded, revocable and audited, and a verifier learns which
registered institution a did:key belongs to."""

import json
import subprocess

import pytest

from ortaq.accounts.services import api_token_create
from ortaq.audit.models import AuditEvent
from ortaq.credentials import services
from ortaq.credentials.keys import did_document, did_key_create, issuer_ensure
from ortaq.credentials.models import CredentialState, IssuedCredential, IssuerKey
from ortaq.credentials.status_lists import resolve_status_list
from ortaq.errors import Forbidden
from tests.engines.credentials.test_credentials_interop import node_stack, write_loader

ISSUE = "/api/v1/vc/credentials/issue"
VERIFY = "/api/v1/vc/credentials/verify"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _credential(**extra) -> dict:
    return {"@context": [VC_V2], "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:graduate-1"}, **extra}


def _issue(client, secret, credential, **options):
    return client.post(ISSUE, json.dumps({"credential": credential, "options": options}), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {secret}")


def _verify(client, signed):
    return client.post(VERIFY, json.dumps({"verifiableCredential": signed}), content_type="application/json")


@pytest.fixture
def did_key(world) -> IssuerKey:
    return did_key_create(actor=world["registrar_a"], institution=world.a)


def test_a_registrar_gives_the_institution_a_did_key_from_the_registrar_desk_and_it_is_audited(client, world):
    issuer = issuer_ensure(actor=world["registrar_a"], institution=world.a)
    client.force_login(world["registrar_a"])
    response = client.post(f"/en/wallet/registrar/issuers/{issuer.pk}/rotate/", {"identity": "did_key"})
    assert response.status_code == 302
    record = IssuerKey.objects.get(issuer=issuer, did_key=True)
    assert record.did.startswith("did:key:z6Mk") and record.key_id == f"{record.did}#{record.did.removeprefix('did:key:')}"
    assert AuditEvent.objects.filter(action="update", actor=world["registrar_a"], after__new_did_key=record.did).exists()
    # The did:web document lists only the did:web's own keys, and the did:web key still signs in its name.
    assert [m["id"] for m in did_document(issuer)["verificationMethod"]] == [f"{issuer.did}#key-1"]
    assert record.did in client.get("/en/wallet/registrar/").content.decode()


def test_a_second_did_key_retires_the_first_and_only_a_registrar_of_the_institution_makes_one(world, did_key):
    newer = did_key_create(actor=world["registrar_a"], institution=world.a)
    did_key.refresh_from_db()
    assert did_key.retired_at is not None and newer.retired_at is None and newer.did != did_key.did
    with pytest.raises(Forbidden):
        did_key_create(actor=world["registrar_b"], institution=world.a)
    with pytest.raises(Forbidden):
        did_key_create(actor=world["coordinator_a"], institution=world.a)


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022"])
def test_the_vc_api_issues_as_the_did_key_with_the_chosen_cryptosuite_recorded_revocable_and_audited(client, world, did_key, suite):
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    response = _issue(client, secret, _credential(), issuer=did_key.did, cryptosuite=suite)
    assert response.status_code == 201, response.content
    signed = response.json()["verifiableCredential"]
    assert signed["issuer"] == did_key.did
    assert signed["proof"]["cryptosuite"] == suite and signed["proof"]["verificationMethod"] == did_key.key_id
    record = IssuedCredential.objects.get()
    assert record.issuer.institution == world.a and record.document == signed
    assert AuditEvent.objects.filter(action="create", object_id=str(record.pk), after__issuer=did_key.did, after__cryptosuite=suite).exists()
    # The status lists it names are signed by the did:key itself: verifiers require the list's issuer to be the credential's.
    lists = [resolve_status_list(entry["statusListCredential"]) for entry in signed["credentialStatus"]]
    assert [sl["issuer"] for sl in lists] == [did_key.did, did_key.did]
    verified = _verify(client, signed)
    assert verified.status_code == 200, verified.json()
    assert verified.json()["status"] == "valid" and "register" in verified.json()["checks"]

    services.credential_set_state(actor=world["registrar_a"], credential=record, state=CredentialState.REVOKED, reason="issued in error")
    revoked = _verify(client, signed)
    assert revoked.status_code == 422 and revoked.json()["status"] == "revoked"


def test_the_credentials_own_did_key_issuer_chooses_it_too_and_the_verify_page_names_the_registered_institution(client, world, did_key):
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    signed = _issue(client, secret, _credential(issuer={"id": did_key.did, "name": "Whatever it calls itself"}),
                    cryptosuite="eddsa-jcs-2022").json()["verifiableCredential"]
    assert signed["proof"]["verificationMethod"] == did_key.key_id
    page = client.get(f"/en/verify/{IssuedCredential.objects.get().verify_code}").content.decode()
    assert f"{world.a.display_name}, a registered institution of this network" in page


def test_the_vc_api_refuses_foreign_retired_or_contradictory_issuers_and_unknown_cryptosuites(client, world, did_key):
    _t, secret = api_token_create(actor=world["registrar_b"], name="vc")
    assert _issue(client, secret, _credential(), issuer=did_key.did).status_code == 403  # College A's did:key
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    assert _issue(client, secret, _credential(), cryptosuite="Ed25519Signature2018").status_code == 400
    assert _issue(client, secret, _credential(), issuer=7).status_code == 400
    web = issuer_ensure(actor=world["registrar_a"], institution=world.a).did
    assert _issue(client, secret, _credential(issuer=web), issuer=did_key.did).status_code == 400
    did_key_create(actor=world["registrar_a"], institution=world.a)  # retires the first did:key: it signs no more
    assert _issue(client, secret, _credential(), issuer=did_key.did).status_code == 403
    assert _issue(client, secret, _credential(), issuer="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").status_code == 403
    assert IssuedCredential.objects.count() == 0


def test_without_options_the_did_web_signs_with_eddsa_rdfc_2022_as_before(client, world, did_key):
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    signed = _issue(client, secret, _credential()).json()["verifiableCredential"]
    web = issuer_ensure(actor=None, institution=world.a)
    assert signed["issuer"] == web.did and signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["proof"]["verificationMethod"].startswith(web.did + "#")


@pytest.mark.interop
def test_the_digital_bazaar_verifier_accepts_an_eddsa_jcs_2022_credential_ortaq_issued_as_a_did_key(client, world, did_key, tmp_path):
    node_dir = node_stack()
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    signed = _issue(client, secret, _credential(), issuer=did_key.did, cryptosuite="eddsa-jcs-2022").json()["verifiableCredential"]
    record = IssuedCredential.objects.get()
    services.credential_set_state(actor=world["registrar_a"], credential=record, state=CredentialState.SUSPENDED, reason="under review")
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["id"] = "did:example:someone-else"
    # The did:key is resolved by the Node side itself (no DID document handed over); the status lists are its only documents.
    lists = {entry["statusListCredential"]: resolve_status_list(entry["statusListCredential"]) for entry in signed["credentialStatus"]}
    loader = write_loader(tmp_path / "loader.json", lists)
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps([signed, tampered], ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(["node", str(node_dir / "interop.mjs"), "verify", str(loader), str(batch), "--status"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)["results"]
    assert outcome[0]["verified"] is True, outcome
    assert outcome[0]["status"] == [False, True], outcome  # not revoked, suspended: read from the lists the did:key signed
    assert outcome[1]["verified"] is False, outcome
