"""Verifiable Presentations from wallets: the holder's Data Integrity proof and holder binding.

A verifier asks for a presentation with a fresh `challenge` and its `domain`; the wallet wraps the holder's
credentials in a VerifiablePresentation and signs it with the holder's key under the proof purpose
`authentication`, naming that challenge and domain (VC Data Integrity 1.0 §2.1, §4.2 "proofPurpose",
"challenge", "domain"; VC Data Model 2.0 §4.13 "holder"). Checked here, without Django:

- the presentation is a JSON object of type VerifiablePresentation that names its holder;
- one of its proofs verifies for `authentication`, with the expected challenge and domain, made by a key the
  holder controls (so a presentation cannot be replayed to another verifier or for another request);
- holder binding: every credential inside that names its subject (`credentialSubject.id`) names the holder.

The credentials inside are verified by the caller (the platform verifies them against its own issuers and
status lists, each as it would verify it alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .did import DidResolver
from .proofs import proofs_of, verify_proof
from .verify import Check

MAX_CREDENTIALS = 20


@dataclass
class PresentationReport:
    holder: str | None = None
    checks: list[Check] = field(default_factory=list)
    credentials: list[Any] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"verified": self.verified, "holder": self.holder, "checks": [c.to_dict() for c in self.checks]}


def _ids(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _holder_of(presentation: dict[str, Any]) -> str | None:
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    return holder if isinstance(holder, str) and holder else None


def _subject_ids(credential: Any) -> list[Any]:
    """The ids the credential's subjects name (a subject without an id names nobody)."""
    subjects = credential.get("credentialSubject") if isinstance(credential, dict) else None
    return [s["id"] for s in _ids(subjects) if isinstance(s, dict) and "id" in s]


def verify_presentation(
    presentation: Any, *, challenge: str, domain: str, resolver: DidResolver | None = None, now: datetime | None = None
) -> PresentationReport:
    """Check the holder's proof (authentication, `challenge`, `domain`) and the holder binding of `presentation`."""
    report = PresentationReport()
    types = presentation.get("type") if isinstance(presentation, dict) else None
    if not isinstance(presentation, dict) or "VerifiablePresentation" not in _ids(types):
        report.checks.append(Check("input", False, "not a JSON object of type VerifiablePresentation"))
        return report
    report.holder = holder = _holder_of(presentation)
    if holder is None:
        report.checks.append(Check("holder", False, "the presentation does not name its holder"))
        return report
    raw = presentation.get("verifiableCredential", [])
    credentials = [c for c in _ids(raw) if c is not None]
    if len(credentials) > MAX_CREDENTIALS:
        report.checks.append(Check("input", False, f"{len(credentials)} credentials; at most {MAX_CREDENTIALS} are checked"))
        return report
    report.credentials = credentials
    report.checks.append(_check_proof(presentation, holder, challenge, domain, resolver or DidResolver(), now))
    unbound = [i for i, c in enumerate(credentials, 1) if any(subject != holder for subject in _subject_ids(c))]
    if unbound:
        report.checks.append(Check("holder", False, f"credential(s) {', '.join(map(str, unbound))} name another subject than the holder {holder}"))
    else:
        report.checks.append(Check("holder", True, f"every credential that names its subject names the holder {holder}"))
    return report


def _check_proof(presentation: dict[str, Any], holder: str, challenge: str, domain: str, resolver: DidResolver, now: datetime | None) -> Check:
    proofs = proofs_of(presentation)
    if not proofs:
        return Check("proof", False, "the presentation has no proof")
    reasons = []
    for position, proof in enumerate(proofs[:4], 1):
        if not isinstance(proof, dict):
            reasons.append(f"proof {position} is not a JSON object")
            continue
        # Checked before the signature: a proof for another request or another verifier is refused as such.
        if proof.get("challenge") != challenge:
            reasons.append(f"proof {position} does not answer this request's challenge")
            continue
        if domain not in _ids(proof.get("domain")):
            reasons.append(f"proof {position} is for another domain ({proof.get('domain')!r}), not {domain!r}")
            continue
        result = verify_proof(presentation, proof, resolver, expected_purpose="authentication", now=now)
        if not result.verified:
            reasons.append(f"proof {position}: {result.reason}")
        elif result.controller != holder:
            reasons.append(f"proof {position} was made by {result.controller}, not by the holder {holder}")
        else:
            return Check("proof", True, f"the holder {holder} signed it for this request ({result.cryptosuite}, challenge and domain match)")
    return Check("proof", False, "; ".join(reasons))
