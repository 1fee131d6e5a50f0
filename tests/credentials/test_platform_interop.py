"""A diploma the platform issued, with its three proofs, verified by the independent Digital Bazaar stack."""

import copy
import json
import subprocess

import pytest

from ortaq.credentials.keys import did_document
from ortaq.credentials.models import IssuedCredential, IssuerProfile
from tests.engines.credentials.test_credentials_interop import node_stack, node_verify, write_loader

pytestmark = pytest.mark.interop


def node_verify_each_proof(node_dir, loader, credentials, tmp_path) -> list[list[dict]]:
    batch = tmp_path / "proofs.json"
    batch.write_text(json.dumps(credentials, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(["node", str(node_dir / "interop.mjs"), "verify-proofs", str(loader), str(batch)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["results"]


def test_the_javascript_verifier_accepts_every_proof_of_a_platform_diploma_and_rejects_tampering(world, issued, tmp_path):
    node_dir = node_stack()
    batch, programme, joint, registrar, graduates = issued
    diploma = IssuedCredential.objects.get(holder=graduates[0]).document
    documents = {issuer.did: did_document(issuer) for issuer in IssuerProfile.objects.all()}
    loader = write_loader(tmp_path / "loader.json", documents)
    tampered = copy.deepcopy(diploma)
    tampered["validFrom"] = "2020-01-01T00:00:00Z"
    outcome = node_verify(node_dir, loader, [diploma, tampered], tmp_path)
    assert [r["verified"] for r in outcome["results"]] == [True, False], outcome["results"]
    forged_cosignature = copy.deepcopy(diploma)
    forged_cosignature["proof"][1]["proofValue"] = forged_cosignature["proof"][2]["proofValue"]
    each = node_verify_each_proof(node_dir, loader, [diploma, forged_cosignature], tmp_path)
    assert [p["verified"] for p in each[0]] == [True, True, True]
    assert {p["verificationMethod"].split("#")[0] for p in each[0]} == set(documents)
    assert [p["verified"] for p in each[1]] == [True, False, True]
