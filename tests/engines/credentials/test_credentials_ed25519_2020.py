"""Ed25519Signature2020 is verify-only: a credential signed by the Digital Bazaar stack verifies."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import ortaq.engines.credentials as creds

SIGNED = json.loads((Path(__file__).parent / "data" / "node" / "ed25519-signature-2020-signed.json").read_text(encoding="utf-8"))


def test_it_verifies_an_ed25519_signature_2020_credential_signed_by_another_implementation() -> None:
    assert SIGNED["proof"]["type"] == "Ed25519Signature2020"
    report = creds.verify(SIGNED)
    proof_check = next(c for c in report.checks if c.name == "proof")
    assert proof_check.ok and "Ed25519Signature2020" in proof_check.reason


def test_it_rejects_a_tampered_ed25519_signature_2020_credential() -> None:
    tampered = copy.deepcopy(SIGNED)
    tampered["credentialSubject"]["achievement"]["name"] = "Электрик"
    assert not creds.verify(tampered).verified


def test_it_does_not_issue_ed25519_signature_2020(college_key) -> None:
    with pytest.raises(creds.SigningError, match="cannot issue 'Ed25519Signature2020'"):
        creds.sign({"issuer": college_key.controller}, college_key, cryptosuite="Ed25519Signature2020", check_schema=False)
