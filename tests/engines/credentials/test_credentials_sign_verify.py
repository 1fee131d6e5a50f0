"""Issuing and verifying: proofs, issuer control of the key, proof sets, dates, did:web rotation."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

import ortaq.engines.credentials as creds


def _check(report: creds.VerificationReport, name: str) -> creds.Check:
    return next(c for c in report.checks if c.name == name)


def test_it_verifies_a_multilingual_diploma_it_signed(signed_diploma: dict) -> None:
    report = creds.verify(signed_diploma)
    assert report.verified, report.to_json()
    assert [c.name for c in report.checks] == ["input", "schema", "proof", "issuer", "validity", "status"]
    assert report.status == "none"


def test_it_signs_with_eddsa_rdfc_2022_by_default(signed_diploma: dict) -> None:
    proof = signed_diploma["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofValue"].startswith("z")
    assert proof["created"] == "2026-07-01T09:00:00Z"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["result"][0].__setitem__("value", "B"),
        lambda d: d["credentialSubject"]["achievement"]["nameLanguageMap"].__setitem__("zh", "电工"),
        lambda d: d.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
        lambda d: d["proof"].__setitem__("created", "2026-07-02T09:00:00Z"),
        lambda d: d["credentialSubject"].__setitem__("id", "did:example:someone-else"),
    ],
    ids=["grade", "chinese-name", "valid-from", "proof-created", "holder"],
)
def test_it_rejects_a_tampered_copy_with_a_readable_reason(signed_diploma: dict, tamper) -> None:
    tampered = copy.deepcopy(signed_diploma)
    tamper(tampered)
    report = creds.verify(tampered)
    assert not report.verified
    assert "signature does not match" in _check(report, "proof").reason


def test_it_rejects_an_unsigned_claim_added_with_an_undefined_term(signed_diploma: dict) -> None:
    tampered = copy.deepcopy(signed_diploma)
    tampered["credentialSubject"]["honours"] = "summa cum laude"
    report = creds.verify(tampered)
    assert not report.verified
    assert "'honours' is not defined" in _check(report, "proof").reason


def test_it_refuses_to_sign_when_the_issuer_does_not_control_the_key(make_credential, college_key: creds.Multikey) -> None:
    other = creds.generate_key()
    with pytest.raises(creds.SigningError, match="is not the controller"):
        creds.sign(make_credential(other.controller), college_key)


def test_it_refuses_to_sign_a_document_that_fails_the_open_badges_schema(diploma: dict, college_key: creds.Multikey) -> None:
    del diploma["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(creds.SigningError, match="criteria"):
        creds.sign(diploma, college_key)


def test_it_reports_an_issuer_that_does_not_control_the_signing_key(diploma: dict) -> None:
    impostor = creds.generate_key()
    diploma["issuer"]["id"] = creds.generate_key().controller
    signed = creds.add_proof(diploma, creds.create_proof(diploma, impostor))
    report = creds.verify(signed)
    assert _check(report, "proof").ok
    assert not _check(report, "issuer").ok
    assert "does not control any signing key" in _check(report, "issuer").reason
    assert not report.verified


def test_it_adds_a_partner_proof_to_make_a_co_signed_proof_set(signed_diploma: dict) -> None:
    partner = creds.generate_key()  # e.g. the Urumqi partner college
    co_signed = creds.sign(signed_diploma, partner, as_cosigner=True, created="2026-07-02T10:00:00Z")
    assert len(co_signed["proof"]) == 2
    report = creds.verify(co_signed)
    assert report.verified, report.to_json()
    assert report.signers == [signed_diploma["issuer"]["id"], partner.controller]


def test_it_fails_the_whole_proof_set_when_one_proof_is_forged(signed_diploma: dict) -> None:
    partner = creds.generate_key()
    co_signed = creds.sign(signed_diploma, partner, as_cosigner=True)
    co_signed["proof"][1]["proofValue"] = co_signed["proof"][0]["proofValue"]
    report = creds.verify(co_signed)
    assert not report.verified
    assert "proof 2" in _check(report, "proof").reason


def test_it_refuses_a_co_signature_on_a_document_the_issuer_has_not_signed(diploma: dict) -> None:
    with pytest.raises(creds.SigningError, match="already signed"):
        creds.sign(diploma, creds.generate_key(), as_cosigner=True)


def test_it_issues_and_verifies_eddsa_jcs_2022_as_well(diploma: dict, college_key: creds.Multikey) -> None:
    signed = creds.sign(diploma, college_key, cryptosuite=creds.JCS)
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert creds.verify(signed).verified
    signed["name"] = "Forged"
    assert not creds.verify(signed).verified


def test_it_reports_a_credential_that_is_not_yet_valid_or_expired(make_credential, college_key: creds.Multikey) -> None:
    signed = creds.sign(make_credential(college_key.controller, valid_until="2030-06-30T00:00:00Z"), college_key)
    early = creds.verify(signed, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    late = creds.verify(signed, now=datetime(2031, 1, 1, tzinfo=timezone.utc))
    assert "not valid before 2026-06-30T00:00:00Z" in _check(early, "validity").reason
    assert "expired at 2030-06-30T00:00:00Z" in _check(late, "validity").reason
    assert not early.verified and not late.verified
    assert creds.verify(signed, now=datetime(2027, 1, 1, tzinfo=timezone.utc)).verified


def test_it_reports_a_missing_proof(diploma: dict) -> None:
    report = creds.verify(diploma)
    assert _check(report, "proof").reason == "the credential has no proof"
    assert not report.verified


def test_it_verifies_a_did_web_issuer_from_the_local_cache_only(make_credential) -> None:
    did = creds.did_web("almaty-poly.edu.kz")
    key = creds.generate_key(controller=did)
    signed = creds.sign(make_credential(did), key)
    offline = creds.verify(signed)
    assert not offline.verified
    assert "HTTPS resolution is not allowed" in _check(offline, "proof").reason
    resolver = creds.DidResolver([creds.did_web_document("almaty-poly.edu.kz", None, [key])])
    assert creds.verify(signed, did_resolver=resolver).verified


def test_it_keeps_old_signatures_valid_after_key_rotation_but_not_new_ones_by_the_old_key(make_credential, tmp_path) -> None:
    did = creds.did_web("almaty-poly.edu.kz", "issuers/registrar")
    assert did == "did:web:almaty-poly.edu.kz:issuers:registrar"
    assert creds.did_web_url(did) == "https://almaty-poly.edu.kz/issuers/registrar/did.json"
    old, new = creds.generate_key(controller=did), creds.generate_key(controller=did)
    before = creds.sign(make_credential(did), old, created="2026-07-01T00:00:00Z")
    document = creds.did_web_document("almaty-poly.edu.kz", "issuers/registrar", [old])
    document = creds.add_key(creds.retire_key(document, old.id, "2027-01-01T00:00:00Z"), new)
    assert [m["id"] for m in document["verificationMethod"]] == [old.id, new.id]  # never deleted
    (tmp_path / "cache").mkdir()
    import json
    import urllib.parse

    (tmp_path / "cache" / (urllib.parse.quote(did, safe="") + ".json")).write_text(json.dumps(document))
    resolver = creds.DidResolver(cache_dir=tmp_path / "cache")
    assert creds.verify(before, did_resolver=resolver).verified
    after = creds.sign(make_credential(did), old, created="2027-02-01T00:00:00Z")
    report = creds.verify(after, did_resolver=resolver)
    assert not report.verified
    assert "retired at 2027-01-01T00:00:00Z" in _check(report, "proof").reason
    assert creds.verify(creds.sign(make_credential(did), new), did_resolver=resolver).verified


def test_it_rejects_everything_signed_by_a_compromised_key(make_credential) -> None:
    did = creds.did_web("almaty-poly.edu.kz")
    key = creds.generate_key(controller=did)
    signed = creds.sign(make_credential(did), key, created="2026-07-01T00:00:00Z")
    document = creds.retire_key(creds.did_web_document("almaty-poly.edu.kz", None, [key]), key.id, "2027-01-01T00:00:00Z", compromised=True)
    report = creds.verify(signed, did_resolver=creds.DidResolver([document]))
    assert not report.verified
    assert "does not authorise" in _check(report, "proof").reason


def test_it_verifies_a_proof_chain_where_the_second_proof_covers_the_first(make_credential, college_key) -> None:
    partner = creds.generate_key()
    document = make_credential(college_key.controller)
    first = creds.add_proof(document, creds.create_proof(document, college_key, proof_id="urn:uuid:p1"))
    chain = creds.add_proof(first, creds.create_proof(first, partner, proof_id="urn:uuid:p2", previous_proof="urn:uuid:p1"))
    assert creds.verify(chain).verified
    chain["proof"][0]["proofValue"] = first["proof"]["proofValue"][:-2] + "11"
    reason = _check(creds.verify(chain), "proof").reason
    assert "proof 1" in reason and "proof 2" in reason  # the forged first proof also breaks the chain


def test_it_rejects_a_key_whose_claimed_controller_is_not_the_document_that_lists_it(make_credential) -> None:
    college, attacker = creds.did_web("almaty-poly.edu.kz"), creds.did_web("attacker.example")
    stolen_identity = creds.generate_key(controller=college, key_id=f"{attacker}#k1")
    signed = creds.sign(make_credential(college), stolen_identity)
    attacker_document = {"id": attacker, "verificationMethod": [stolen_identity.to_verification_method()], "assertionMethod": [stolen_identity.id]}
    report = creds.verify(signed, did_resolver=creds.DidResolver([attacker_document]))
    assert not report.verified
    assert "but it is listed by did:web:attacker.example" in _check(report, "proof").reason


def test_it_rejects_a_proof_past_its_own_expiry_and_a_proof_with_a_malformed_date(diploma: dict, college_key) -> None:
    proof = creds.create_proof(diploma, college_key, created="2026-07-01T00:00:00Z")
    expiring = creds.add_proof(diploma, proof)
    assert creds.verify(expiring).verified
    expiring["proof"]["expires"] = "2026-07-02T00:00:00Z"  # an unsigned edit would also break the signature
    assert "the proof expired at 2026-07-02T00:00:00Z" in _check(creds.verify(expiring), "proof").reason
    expiring["proof"]["created"] = "first of July"
    assert "not a valid date-time" in _check(creds.verify(expiring), "proof").reason
