"""Data Integrity proofs: eddsa-rdfc-2022 and eddsa-jcs-2022 (issue + verify), Ed25519Signature2020
(verify only).

All three sign `SHA-256(canonical proof options) || SHA-256(canonical document)` with Ed25519;
they differ in canonicalisation (RDFC-1.0 or JCS) and in how proof options get their context.
A proof set (several independent proofs, e.g. a diploma co-signed by a Kazakh college and a
Chinese partner) is supported: each proof covers the document without any proof. Proof chains
(`previousProof`) cover the referenced earlier proofs too, as the Data Integrity spec says.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .canon import CanonicalizationError, InputError, canonicalize, jcs
from .did import DidResolutionError, DidResolver, authorised_for
from .keys import Multikey
from .multibase import MultibaseError, multibase_decode, multibase_encode

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
ED25519_2020 = "Ed25519Signature2020"
ISSUABLE_SUITES = (RDFC, JCS)


class ProofError(ValueError):
    """A proof cannot be created or is malformed."""


@dataclass
class ProofResult:
    """Outcome of checking one proof; `reason` is human-readable when not verified."""

    verified: bool
    reason: str
    cryptosuite: str = ""
    verification_method: str = ""
    controller: str = ""


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _unsecured(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """The document a proof covers: no proofs, except those named by `previousProof`."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    previous = proof.get("previousProof")
    if previous:
        wanted = [previous] if isinstance(previous, str) else list(previous)
        proofs = document.get("proof")
        proofs = proofs if isinstance(proofs, list) else [proofs]
        found = [p for p in proofs if isinstance(p, dict) and p.get("id") in wanted]
        if len(found) != len(wanted):
            raise ProofError(f"previousProof {previous!r} is not in the document")
        unsecured["proof"] = found if len(found) > 1 else found[0]
    return unsecured


@functools.lru_cache(maxsize=512)
def _canonical_options(options_jcs: str) -> str:
    """Canonical proof options, memoised by their exact JCS text: a batch signed by one key at
    one time shares them, and the memo cannot change the result because the key is the input."""
    return canonicalize(json.loads(options_jcs))


def hash_data(document: dict[str, Any], proof_options: dict[str, Any], cryptosuite: str) -> bytes:
    """The 64 bytes that are signed for a document and its proof options (without proofValue)."""
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    if cryptosuite == JCS:
        if "@context" in document:
            options["@context"] = document["@context"]
        return _sha256(jcs(options)) + _sha256(jcs(document))
    if cryptosuite in (RDFC, ED25519_2020):
        options["@context"] = document.get("@context")
        return _sha256(_canonical_options(jcs(options))) + _sha256(canonicalize(document))
    raise ProofError(f"unsupported cryptosuite {cryptosuite!r}")


def create_proof(
    document: dict[str, Any],
    key: Multikey,
    *,
    cryptosuite: str = RDFC,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict[str, Any]:
    """A new DataIntegrityProof over `document` (its existing proofs are not covered)."""
    if cryptosuite not in ISSUABLE_SUITES:
        raise ProofError(f"cannot issue {cryptosuite!r}; use one of {', '.join(ISSUABLE_SUITES)}")
    proof: dict[str, Any] = {}
    if proof_id:
        proof["id"] = proof_id
    proof.update(
        {
            "type": "DataIntegrityProof",
            "cryptosuite": cryptosuite,
            "created": created or _now(),
            "verificationMethod": key.id,
            "proofPurpose": proof_purpose,
        }
    )
    if previous_proof:
        proof["previousProof"] = previous_proof
    if cryptosuite == JCS and "@context" in document:
        # eddsa-jcs-2022 (vc-di-eddsa §3.3.5) signs the proof options with the document's context
        # and keeps that context in the emitted proof, as the W3C vector shows.
        proof["@context"] = document["@context"]
    unsecured = _unsecured(document, proof)
    signature = key.sign(hash_data(unsecured, proof, cryptosuite))
    proof["proofValue"] = multibase_encode(signature, "z")
    return proof


def add_proof(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """Attach a proof, turning a single proof into a proof set when one already exists."""
    secured = dict(document)
    existing = document.get("proof")
    if existing is None:
        secured["proof"] = proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


def proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def _created_before(created: Any, limit: str | None) -> bool:
    if not limit:
        return True
    try:
        return _parse_time(created) < _parse_time(limit)
    except ValueError:
        return False


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a date-time string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def verify_proof(
    document: dict[str, Any],
    proof: Any,
    resolver: DidResolver,
    *,
    expected_purpose: str = "assertionMethod",
    now: datetime | None = None,
) -> ProofResult:
    """Check one proof of `document` (the secured document, proofs included)."""
    if not isinstance(proof, dict):
        return ProofResult(False, "proof is not a JSON object")
    proof_type = proof.get("type")
    suite = proof.get("cryptosuite") if proof_type == "DataIntegrityProof" else proof_type
    if suite not in (RDFC, JCS, ED25519_2020):
        return ProofResult(False, f"unsupported proof type/cryptosuite {suite or proof_type!r}")
    method_field = proof.get("verificationMethod")
    # a missing or non-string id becomes "", which the resolver rejects as "no verificationMethod"
    method_id = method_field if isinstance(method_field, str) else ""
    result = ProofResult(False, "", suite, method_id)
    if proof.get("proofPurpose") != expected_purpose:
        result.reason = f"proofPurpose is {proof.get('proofPurpose')!r}, expected {expected_purpose!r}"
        return result
    if not isinstance(proof.get("proofValue"), str):
        result.reason = "proof has no proofValue"
        return result
    try:
        _parse_time(proof.get("created", "1970-01-01T00:00:00Z"))
        expires = _parse_time(proof["expires"]) if "expires" in proof else None
    except ValueError:
        result.reason = "the proof's created/expires is not a valid date-time"
        return result
    if expires is not None and expires <= (now or datetime.now(timezone.utc)):
        result.reason = f"the proof expired at {proof['expires']}"
        return result
    try:
        key, controller_document = resolver.verification_method(method_id)
    except (DidResolutionError, ValueError) as exc:
        result.reason = str(exc)
        return result
    if key.controller != controller_document.get("id"):
        # Otherwise a document at did:web:a could claim a key "controlled by" did:web:b and pass
        # the issuer check for b.
        result.reason = f"{key.id} says it is controlled by {key.controller}, but it is listed by {controller_document.get('id')}"
        return result
    result.controller = key.controller
    if not authorised_for(controller_document, key.id, expected_purpose):
        result.reason = f"{key.controller} does not authorise {key.id} for {expected_purpose}"
        return result
    if key.revoked and not _created_before(proof.get("created"), key.revoked):
        result.reason = f"key {key.id} was revoked at {key.revoked}, and this proof is not dated before that"
        return result
    if key.expires and not _created_before(proof.get("created"), key.expires):
        result.reason = f"key {key.id} was retired at {key.expires}, and this proof is not dated before that"
        return result
    try:
        signature = multibase_decode(proof["proofValue"])
        data = hash_data(_unsecured(document, proof), {k: v for k, v in proof.items() if k != "proofValue"}, suite)
    except (MultibaseError, ProofError, CanonicalizationError, DidResolutionError, InputError) as exc:
        result.reason = str(exc)
        return result
    if len(signature) != 64 or not key.verify(signature, data):
        result.reason = "signature does not match: the document or its proof was changed after signing, or a different key signed it"
        return result
    result.verified = True
    result.reason = "signature is valid"
    return result
