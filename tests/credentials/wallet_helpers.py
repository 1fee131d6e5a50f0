"""A wallet for the Python tests of issuing into wallets: a did:key, a DID-authentication presentation and an
OID4VCI jwt key proof. (The end-to-end tests use an independent wallet in Node: test_exchanges_wallet_e2e.py.)"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import pytest

import ortaq.engines.credentials as creds
from ortaq.engines.credentials.multibase import multibase_encode
from ortaq.engines.credentials.proofs import hash_data

VC_V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture
def diploma(joint_programme):
    """A graduate's dual diploma, issued by the joint college and co-signed by the two awarding colleges."""
    from ortaq.credentials.issuance import diploma_issue

    programme, _joint, registrar, graduates = joint_programme
    return diploma_issue(actor=registrar, programme=programme, holder=graduates[0], graduation_date=dt.date(2026, 6, 30))


def did_auth(key: creds.Multikey, challenge: str, domain: str, *, holder: str | None = None) -> dict:
    """A VerifiablePresentation with no credential, signed for `authentication` (eddsa-rdfc-2022)."""
    presentation = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder or key.controller}
    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2026-06-30T00:00:00Z",
             "verificationMethod": key.id, "proofPurpose": "authentication", "challenge": challenge, "domain": domain}
    proof["proofValue"] = multibase_encode(key.sign(hash_data(presentation, proof, creds.RDFC)), "z")
    return {**presentation, "proof": proof}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def proof_jwt(key: creds.Multikey, *, aud: str, nonce: str, typ: str = "openid4vci-proof+jwt", iat: float | None = None,
              kid: str | None = None, sign_with: creds.Multikey | None = None) -> str:
    header = {"typ": typ, "alg": "EdDSA", "kid": kid or key.id}
    claims = {"aud": aud, "iat": int(time.time() if iat is None else iat), "nonce": nonce}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64((sign_with or key).sign(signing_input.encode('ascii')))}"
