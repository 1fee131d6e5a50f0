"""VC Data Model 1.1 input: the bundled 1.1 context, Data Integrity context injection, and
issuanceDate/expirationDate as the validity period."""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime, timezone

import pytest

import ortaq.engines.credentials as creds
from ortaq.engines.credentials import contexts

VC_V1 = "https://www.w3.org/2018/credentials/v1"
DI_V2 = "https://w3id.org/security/data-integrity/v2"


def v1_credential(key: creds.Multikey, **extra: object) -> dict:
    return {
        "@context": [VC_V1],
        "id": "urn:uuid:5b0d6f0e-3c1a-4d8e-9f1b-7a2c4e6d8f10",
        "type": ["VerifiableCredential"],
        "issuer": key.controller,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:student-aigerim"},
        **extra,
    }


def test_it_ships_the_vc_v1_context_with_the_digest_the_w3c_publishes() -> None:
    # VC Data Model 1.1, appendix B.1 (Base Context): SHA-256 of https://www.w3.org/2018/credentials/v1.
    data = contexts.context_bytes(VC_V1)
    assert hashlib.sha256(data).hexdigest() == "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc"
    assert len(data) == 7687


@pytest.mark.parametrize("suite", [creds.RDFC, creds.JCS])
def test_a_vc_1_1_credential_is_signed_with_the_data_integrity_context_added_and_verifies(college_key, suite) -> None:
    credential = v1_credential(college_key)
    signed = creds.sign(credential, college_key, cryptosuite=suite)
    assert signed["@context"] == [VC_V1, DI_V2]
    assert credential["@context"] == [VC_V1]  # the caller's document is not modified
    assert signed["proof"]["type"] == "DataIntegrityProof" and signed["proof"]["cryptosuite"] == suite
    report = creds.verify(signed)
    assert report.verified, report.to_json()
    assert "from 2026-01-01T00:00:00Z" in next(c.reason for c in report.checks if c.name == "validity")


def test_a_tampered_vc_1_1_credential_fails(college_key) -> None:
    signed = creds.sign(v1_credential(college_key), college_key)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["id"] = "did:example:someone-else"
    report = creds.verify(tampered)
    assert not report.verified
    assert "signature does not match" in next(c.reason for c in report.checks if c.name == "proof")
    dropped = copy.deepcopy(signed)
    dropped["@context"] = [VC_V1]  # without the Data Integrity context the proof terms are undefined
    assert not creds.verify(dropped).verified


def test_a_context_that_already_defines_data_integrity_is_left_alone(college_key) -> None:
    credential = v1_credential(college_key)
    credential["@context"] = [VC_V1, DI_V2]
    assert creds.with_data_integrity_context(credential) is credential
    assert creds.sign(credential, college_key)["@context"] == [VC_V1, DI_V2]
    v2 = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}
    assert creds.with_data_integrity_context(v2) is v2
    assert creds.is_vc_v1(credential) and not creds.is_vc_v1(v2)


def test_a_vc_1_1_credential_needs_issuance_date(college_key) -> None:
    credential = v1_credential(college_key)
    del credential["issuanceDate"]
    with pytest.raises(creds.SigningError, match="issuanceDate"):
        creds.sign(credential, college_key)


def test_expiration_date_ends_a_vc_1_1_credentials_validity(college_key) -> None:
    signed = creds.sign(v1_credential(college_key, expirationDate="2027-01-01T00:00:00Z"), college_key)
    assert creds.verify(signed, now=datetime(2026, 6, 1, tzinfo=timezone.utc)).verified
    late = creds.verify(signed, now=datetime(2027, 6, 1, tzinfo=timezone.utc))
    assert not late.verified and "expired at 2027-01-01T00:00:00Z" in next(c.reason for c in late.checks if c.name == "validity")
    early = creds.verify(signed, now=datetime(2025, 6, 1, tzinfo=timezone.utc))
    assert not early.verified and "not valid before 2026-01-01T00:00:00Z" in next(c.reason for c in early.checks if c.name == "validity")


def test_an_undefined_term_in_a_vc_1_1_credential_is_refused(college_key) -> None:
    credential = v1_credential(college_key)
    credential["credentialSubject"]["undefinedTerm"] = 1
    with pytest.raises(creds.SigningError):
        creds.sign(credential, college_key)
