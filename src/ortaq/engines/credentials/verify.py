"""Verification of a credential into a report of named checks, each with a readable reason.

The report lists `input`, `schema`, `proof`, `issuer`, `validity` and `status`. `verified` is
true only when every check passed and the status is known to be good: a credential whose status
list could not be obtained, was stale or was not properly signed is reported with status
`unknown`, never as valid. No exception escapes `verify`; unexpected failures become a failed
check with a generic reason, so no traceback reaches the person verifying.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import schemas
from .canon import MAX_DEPTH, MAX_DOCUMENT_BYTES, InputError, check_depth, parse_json
from .did import DidResolver
from .proofs import ProofResult, proofs_of, verify_proof
from .status import StatusList, StatusListError, StatusResolver, decode_bits

CHECKS = ("input", "schema", "proof", "issuer", "validity", "status")


@dataclass
class Check:
    name: str
    ok: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "reason": self.reason}


@dataclass
class VerificationReport:
    """`verified` plus each check; `status` is valid, revoked, suspended, unknown or none."""

    checks: list[Check] = field(default_factory=list)
    status: str = "unknown"
    credential_id: str | None = None
    issuer: str | None = None
    signers: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        names = {c.name for c in self.checks}
        return (
            all(c.ok for c in self.checks)
            and set(CHECKS) <= names
            and self.status in ("valid", "none")
        )

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "status": self.status,
            "credential": self.credential_id,
            "issuer": self.issuer,
            "signers": self.signers,
            "checks": [c.to_dict() for c in self.checks],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date-time string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return issuer["id"]
    return None


def _load(document: Any, max_bytes: int, max_depth: int) -> dict[str, Any]:
    if isinstance(document, (bytes, bytearray, str)):
        document = parse_json(bytes(document) if isinstance(document, bytearray) else document, max_bytes=max_bytes, max_depth=max_depth)
    else:
        check_depth(document, max_depth)
        size = len(json.dumps(document, ensure_ascii=False).encode("utf-8"))
        if size > max_bytes:
            raise InputError(f"document is {size} bytes; the limit is {max_bytes}")
    if not isinstance(document, dict):
        raise InputError(f"a credential must be a JSON object, not {type(document).__name__}")
    return document


def verify(
    document: Any,
    *,
    did_resolver: DidResolver | None = None,
    status_resolver: StatusResolver | None = None,
    now: datetime | None = None,
    check_schema: bool = True,
    check_status: bool = True,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_depth: int = MAX_DEPTH,
) -> VerificationReport:
    """Verify a credential (dict, JSON text or bytes). Never raises for bad input."""
    report = VerificationReport()
    try:
        _verify(report, document, did_resolver or DidResolver(), status_resolver, now, check_schema, check_status, max_bytes, max_depth)
    except Exception:  # noqa: BLE001 - the contract is: no traceback reaches the user
        report.checks.append(Check("internal", False, "the credential could not be processed (unexpected input)"))
        report.status = "unknown" if report.status not in ("revoked", "suspended") else report.status
    return report


def _verify(
    report: VerificationReport,
    raw: Any,
    resolver: DidResolver,
    status_resolver: StatusResolver | None,
    now: datetime | None,
    check_schema: bool,
    check_status: bool,
    max_bytes: int,
    max_depth: int,
) -> None:
    try:
        document = _load(raw, max_bytes, max_depth)
    except InputError as exc:
        report.checks.append(Check("input", False, str(exc)))
        return
    report.checks.append(Check("input", True, "well-formed JSON object within size and depth limits"))
    report.credential_id = document.get("id") if isinstance(document.get("id"), str) else None
    report.issuer = issuer_id(document)
    now = now or datetime.now(timezone.utc)

    if check_schema:
        schema_id = schemas.schema_for(document)
        if schema_id is None:
            report.checks.append(Check("schema", True, "not an Open Badges or CLR credential; no schema applies"))
        else:
            unsecured = {k: v for k, v in document.items() if k != "proof"}
            errors = schemas.validate(unsecured, schema_id)
            short = " and ".join(s.rsplit("/", 1)[-1] for s in schemas.schema_ids_for(schema_id))
            report.checks.append(Check("schema", not errors, f"valid against {short}" if not errors else f"{short}: " + "; ".join(errors)))
    else:
        report.checks.append(Check("schema", True, "schema check skipped by caller"))

    results = _check_proofs(report, document, resolver, now)
    _check_issuer(report, results)
    _check_nested(report, document, resolver, now)
    _check_validity(report, document, now)
    if check_status:
        _check_status(report, document, resolver, status_resolver, now)
    else:
        report.checks.append(Check("status", True, "status check skipped by caller"))
        report.status = "none"


def _check_proofs(report: VerificationReport, document: dict[str, Any], resolver: DidResolver, now: datetime) -> list[ProofResult]:
    proofs = proofs_of(document)
    if not proofs:
        report.checks.append(Check("proof", False, "the credential has no proof"))
        return []
    if len(proofs) > 16:
        report.checks.append(Check("proof", False, f"{len(proofs)} proofs; at most 16 are checked"))
        return []
    results = [verify_proof(document, proof, resolver, now=now) for proof in proofs]
    failed = [r for r in results if not r.verified]
    if failed:
        reasons = "; ".join(f"proof {i + 1} ({r.cryptosuite or 'unknown suite'}): {r.reason}" for i, r in enumerate(results) if not r.verified)
        report.checks.append(Check("proof", False, reasons))
    else:
        suites = ", ".join(sorted({r.cryptosuite for r in results}))
        report.checks.append(Check("proof", True, f"{len(results)} proof(s) verified ({suites})"))
    report.signers = [r.controller for r in results if r.verified]
    return results


MAX_NESTED = 200


def _check_nested(report: VerificationReport, document: dict[str, Any], resolver: DidResolver, now: datetime) -> None:
    """A CLR transcript embeds signed badges; each must verify on its own (status aside)."""
    types = document.get("type")
    if "ClrCredential" not in (types if isinstance(types, list) else [types]):
        return
    subject = document.get("credentialSubject")
    nested = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    if not isinstance(nested, list) or not nested:
        return
    if len(nested) > MAX_NESTED:
        report.checks.append(Check("nested", False, f"{len(nested)} embedded credentials; at most {MAX_NESTED} are checked"))
        return
    problems = []
    for position, credential in enumerate(nested, 1):
        inner = verify(credential, did_resolver=resolver, check_status=False, now=now)
        if not inner.verified:
            reasons = "; ".join(f"{c.name}: {c.reason}" for c in inner.failures())
            problems.append(f"embedded credential {position} ({inner.credential_id or 'no id'}): {reasons}")
    if problems:
        report.checks.append(Check("nested", False, " | ".join(problems)))
    else:
        report.checks.append(Check("nested", True, f"all {len(nested)} embedded credentials verified (their own status lists are not checked here)"))


def _check_issuer(report: VerificationReport, results: list[ProofResult]) -> None:
    if report.issuer is None:
        report.checks.append(Check("issuer", False, "the credential has no issuer id"))
    elif not results or not any(r.verified for r in results):
        report.checks.append(Check("issuer", False, "no valid proof, so the issuer's signature cannot be confirmed"))
    elif report.issuer in report.signers:
        report.checks.append(Check("issuer", True, f"signed by a key controlled by the issuer {report.issuer}"))
    else:
        signers = ", ".join(report.signers)
        report.checks.append(Check("issuer", False, f"the issuer {report.issuer} does not control any signing key (signed by {signers})"))


def _check_validity(report: VerificationReport, document: dict[str, Any], now: datetime) -> None:
    # VC 2.0 says validFrom/validUntil; VC 1.1 says issuanceDate/expirationDate (same meaning:
    # the credential is valid from the issuance date until the expiration date).
    start = "validFrom" if "validFrom" in document else "issuanceDate" if "issuanceDate" in document else None
    end = "validUntil" if "validUntil" in document else "expirationDate" if "expirationDate" in document else None
    start_text = document[start] if start else None
    end_text = document[end] if end else None
    try:
        valid_from = _parse_time(start_text) if start else None
        valid_until = _parse_time(end_text) if end else None
    except ValueError as exc:
        report.checks.append(Check("validity", False, f"invalid validity date: {exc}"))
        return
    if valid_from and now < valid_from:
        report.checks.append(Check("validity", False, f"not valid before {start_text}"))
    elif valid_until and now >= valid_until:
        report.checks.append(Check("validity", False, f"expired at {end_text}"))
    else:
        span = f"from {start_text if start else 'any time'} until {end_text if end else 'no end date'}"
        report.checks.append(Check("validity", True, f"within its validity period ({span})"))


def _check_status(
    report: VerificationReport,
    document: dict[str, Any],
    resolver: DidResolver,
    status_resolver: StatusResolver | None,
    now: datetime,
) -> None:
    entries = document.get("credentialStatus")
    if entries is None:
        report.status = "none"
        report.checks.append(Check("status", True, "the credential has no status entry (it cannot be revoked)"))
        return
    entries = entries if isinstance(entries, list) else [entries]
    outcomes = [_entry_status(entry, report.issuer, resolver, status_resolver, now) for entry in entries[:8]]
    for state in ("revoked", "suspended", "unknown"):
        hits = [reason for status, reason in outcomes if status == state]
        if hits:
            report.status = state
            report.checks.append(Check("status", False, "; ".join(hits)))
            return
    report.status = "valid"
    report.checks.append(Check("status", True, "; ".join(reason for _s, reason in outcomes)))


def _checked_list(list_credential: Any, resolver: DidResolver, now: datetime) -> tuple[str | None, "StatusList | str"] | str:
    """(issuer, decoded list or decoding error) for a correctly signed list, else the reason."""
    if not isinstance(list_credential, dict):
        return "the status list is not a JSON object"
    dates = VerificationReport()
    _check_validity(dates, list_credential, now)
    if not dates.checks[0].ok:
        return dates.checks[0].reason
    # Verified lists are remembered on the resolver (whose trust they depend on), keyed by their
    # exact JSON text: a thousand credentials sharing one list verify it and decode it once.
    # Validity dates were re-checked above because they depend on `now`.
    try:
        key = json.dumps(list_credential, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return "the status list is not valid JSON data"
    memo = resolver.memo
    if key in memo:
        return memo[key]
    report = verify(list_credential, did_resolver=resolver, check_schema=False, check_status=False, now=now)
    outcome: tuple[str | None, StatusList | str] | str
    if not report.verified:
        outcome = "; ".join(c.reason for c in report.failures())
    else:
        subject = list_credential.get("credentialSubject")
        # a subject that is not an object has no encodedList: decode_bits(None) reports it
        fields: dict[str, Any] = subject if isinstance(subject, dict) else {}
        purpose = fields.get("statusPurpose")
        try:
            bits = decode_bits(fields.get("encodedList"))
            decoded: StatusList | str = StatusList(
                purpose=purpose if purpose in ("revocation", "suspension") else "revocation",
                size=len(bits) * 8, bits=bytearray(bits))
        except StatusListError as exc:
            decoded = str(exc)
        outcome = (report.issuer, decoded)
    if len(memo) >= 64:
        memo.clear()
    memo[key] = outcome
    return outcome


def _entry_status(
    entry: Any, issuer: str | None, resolver: DidResolver, status_resolver: StatusResolver | None, now: datetime
) -> tuple[str, str]:
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        return "unknown", f"unsupported status entry type {entry.get('type') if isinstance(entry, dict) else entry!r}"
    purpose, url, raw_index = entry.get("statusPurpose"), entry.get("statusListCredential"), entry.get("statusListIndex")
    try:
        index = int(raw_index) if isinstance(raw_index, str) and raw_index.isdigit() else None
    except ValueError:  # pragma: no cover - isdigit guards
        index = None
    if purpose not in ("revocation", "suspension") or not isinstance(url, str) or index is None:
        return "unknown", "malformed BitstringStatusListEntry"
    if status_resolver is None:
        return "unknown", f"{purpose} status not checked: no status list available offline ({url})"
    try:
        list_credential = status_resolver(url)
    except Exception:  # noqa: BLE001 - a failing resolver means "could not check"
        list_credential = None
    if list_credential is None:
        return "unknown", f"{purpose} list {url} is unreachable or stale"
    checked = _checked_list(list_credential, resolver, now)
    if isinstance(checked, str):
        return "unknown", f"{purpose} list {url} is not valid: {checked}"
    list_issuer, status_list_or_error = checked
    if list_issuer != issuer:
        return "unknown", f"{purpose} list {url} was issued by {list_issuer}, not by the credential's issuer"
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
        return "unknown", f"{url} is not a {purpose} list"
    if isinstance(status_list_or_error, str):
        return "unknown", f"{purpose} list {url}: {status_list_or_error}"
    try:
        flagged = status_list_or_error.get(index)
    except StatusListError as exc:
        return "unknown", f"{purpose} list {url}: {exc}"
    if flagged:
        return ("revoked" if purpose == "revocation" else "suspended"), f"{purpose} list {url} marks entry {index}: the credential is {'revoked' if purpose == 'revocation' else 'suspended'}"
    return "valid", f"not {'revoked' if purpose == 'revocation' else 'suspended'} ({purpose} list {url}, entry {index})"
