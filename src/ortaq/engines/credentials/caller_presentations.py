"""Verifiable Presentations verified for a verifier application that made its own request (VC-API "verify
presentation", https://w3c-ccg.github.io/vc-api/#verify-presentation): the caller gives the challenge (and
perhaps the domain) it issued, and keeps track of their freshness itself, so nothing is stored here and nothing
is replay-protected here. Checked, without Django:

- the presentation's data model (VC Data Model 2.0 §4.3 contexts, §4.4 identifiers, §4.5 types, §4.13
  verifiable presentations): a JSON object whose first `@context` is the VC 2.0 (or 1.1) base context and whose
  other contexts are URLs or objects, whose `type` includes VerifiablePresentation, whose `id` and `holder` (if
  any) are URLs, and whose `verifiableCredential` entries are objects;
- one of its Data Integrity proofs: proof purpose `authentication`, the caller's challenge, the caller's domain
  when one is given (VC Data Integrity 1.0 §4.2), and, when the presentation names a holder, a key the holder
  controls (holder binding). A presentation without a proof answers no challenge, so it is not verified.

The credentials inside are verified by the caller of this module (each as the platform verifies one alone).
Unlike a presentation answering one of the platform's own requests, a credential whose subject is not the
holder is only a warning here: VC DM 2.0 §4.13 lets a holder present credentials about someone else, and the
verifier application decides whether it accepts that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .datamodel import is_url
from .did import DidResolver
from .proofs import proofs_of, verify_proof

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
MAX_CREDENTIALS = 20
MAX_PROOFS = 4

# VC Data Model 2.0 §7.1 "Problem Details": the problem types a verifier reports.
PARSING_ERROR = "https://www.w3.org/TR/vc-data-model#PARSING_ERROR"
CRYPTOGRAPHIC_SECURITY_ERROR = "https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR"
MALFORMED_VALUE_ERROR = "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR"
RANGE_ERROR = "https://www.w3.org/TR/vc-data-model#RANGE_ERROR"


@dataclass(frozen=True)
class Problem:
    """One VC-API ProblemDetails entry (type, title, detail)."""

    type: str
    title: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "title": self.title, "detail": self.detail}


@dataclass
class CallerPresentationReport:
    holder: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    credentials: list[dict[str, Any]] = field(default_factory=list)
    # VC-API VerificationResult "results": challenge, domain, holder ({valid, input}) and proof ([{valid, input}])
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return not self.problems and bool(self.results.get("proof")) and any(p["valid"] for p in self.results["proof"])


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def data_model_problems(presentation: Any) -> list[Problem]:
    """What in `presentation` breaks the VC Data Model 2.0 rules for a verifiable presentation."""
    if not isinstance(presentation, dict):
        return [Problem(PARSING_ERROR, "Not a presentation", "the verifiable presentation is not a JSON object")]
    problems = []
    contexts = presentation.get("@context")
    if contexts is None:
        problems.append(Problem(MALFORMED_VALUE_ERROR, "Missing @context", "a verifiable presentation must have a @context (VC DM 2.0 §4.3)"))
    else:
        contexts = _items(contexts)
        if not contexts or contexts[0] not in (VC_V2, VC_V1):
            problems.append(Problem(MALFORMED_VALUE_ERROR, "Wrong base context", f"the first @context must be {VC_V2} (VC DM 2.0 §4.3)"))
        if any(not (is_url(c) or isinstance(c, dict)) for c in contexts[1:]):
            problems.append(Problem(MALFORMED_VALUE_ERROR, "Invalid @context entry", "every further @context entry must be a URL or an object (VC DM 2.0 §4.3)"))
    types = presentation.get("type")
    if types is None or not all(isinstance(t, str) and t for t in _items(types)) or "VerifiablePresentation" not in _items(types):
        problems.append(Problem(MALFORMED_VALUE_ERROR, "Not a VerifiablePresentation", "type must include VerifiablePresentation (VC DM 2.0 §4.13)"))
    if "id" in presentation and not is_url(presentation["id"]):
        problems.append(Problem(MALFORMED_VALUE_ERROR, "Invalid id", "the presentation's id must be a URL (VC DM 2.0 §4.4)"))
    if "holder" in presentation and holder_of(presentation) is None:
        problems.append(Problem(MALFORMED_VALUE_ERROR, "Invalid holder", "holder must be a URL or an object whose id is a URL (VC DM 2.0 §4.13)"))
    if "verifiableCredential" in presentation:
        entries = _items(presentation["verifiableCredential"])
        if not all(isinstance(c, dict) for c in entries):
            problems.append(Problem(MALFORMED_VALUE_ERROR, "Invalid verifiableCredential", "each verifiableCredential must be an object, not a string, number or URL (VC DM 2.0 §4.13)"))
        elif len(entries) > MAX_CREDENTIALS:
            problems.append(Problem(RANGE_ERROR, "Too many credentials", f"{len(entries)} credentials; at most {MAX_CREDENTIALS} are checked"))
    return problems


def holder_of(presentation: dict[str, Any]) -> str | None:
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    return holder if is_url(holder) else None


def verify_caller_presentation(
    presentation: Any, *, challenge: str, domain: str | None, resolver: DidResolver | None = None, now: datetime | None = None
) -> CallerPresentationReport:
    """Check `presentation`'s data model and its authentication proof for the caller's `challenge` (and `domain`)."""
    report = CallerPresentationReport()
    report.problems = data_model_problems(presentation)
    if report.problems:
        return report
    report.holder = holder = holder_of(presentation)
    report.credentials = list(_items(presentation.get("verifiableCredential", [])))
    proofs = [p for p in proofs_of(presentation)][:MAX_PROOFS]
    report.results = {"challenge": {"valid": False, "input": challenge}, "proof": []}
    if domain is not None:
        report.results["domain"] = {"valid": False, "input": domain}
    if holder is not None:
        report.results["holder"] = {"valid": False, "input": holder}
    if not proofs:
        report.problems.append(Problem(CRYPTOGRAPHIC_SECURITY_ERROR, "No proof", "the presentation has no proof, so it answers no challenge"))
        return report
    reasons = []
    for position, proof in enumerate(proofs, 1):
        reason = _proof_problem(presentation, proof, report, challenge=challenge, domain=domain, resolver=resolver or DidResolver(), now=now)
        report.results["proof"].append({"valid": reason is None, "input": proof})
        if reason is None:
            break
        reasons.append(f"proof {position}: {reason}")
    else:
        report.problems.append(Problem(CRYPTOGRAPHIC_SECURITY_ERROR, "Invalid proof", "; ".join(reasons)))
    subjects = [i for i, c in enumerate(report.credentials, 1) if holder is not None and isinstance(c, dict) and any(
        isinstance(s, dict) and "id" in s and s["id"] != holder for s in _items(c.get("credentialSubject")))]
    if subjects:
        report.warnings.append(Problem(MALFORMED_VALUE_ERROR, "Subject is not the holder",
                                       f"credential(s) {', '.join(map(str, subjects))} name another subject than the holder {holder}"))
    return report


def _proof_problem(presentation: dict[str, Any], proof: Any, report: CallerPresentationReport, *, challenge: str,
                   domain: str | None, resolver: DidResolver, now: datetime | None) -> str | None:
    """Why `proof` does not answer the caller's request (None: it does); marks the checks it passed in `report`."""
    if not isinstance(proof, dict):
        return "not a JSON object"
    # Checked before the signature: a proof made for another request or another verifier is refused as such.
    if proof.get("challenge") != challenge:
        return "does not answer the given challenge"
    report.results["challenge"]["valid"] = True
    if domain is not None:
        if domain not in _items(proof.get("domain")):
            return f"is for another domain ({proof.get('domain')!r}), not {domain!r}"
        report.results["domain"]["valid"] = True
    try:
        result = verify_proof(presentation, proof, resolver, expected_purpose="authentication", now=now)
    except Exception:  # noqa: BLE001 - as engines.credentials.verify: hostile input (e.g. a context pyld chokes on) is a refusal, never a traceback
        return "the presentation could not be processed (unexpected input)"
    if not result.verified:
        return result.reason
    if report.holder is not None:
        if result.controller != report.holder:
            return f"made by {result.controller}, not by the holder {report.holder}"
        report.results["holder"]["valid"] = True
    return None
