"""Structural rules of the VC Data Model 2.0 that JSON-LD processing does not enforce.

Signing expands the credential in JSON-LD safe mode, which refuses undefined terms, redefined protected
terms and relative type IRIs; it does not refuse, say, a `credentialSchema` without a `type` or an empty
`credentialSubject`, which the data model forbids. An issuer signs nothing that breaks these rules, so the
VC-API refuses such a credential before it is signed (W3C VC Data Model 2.0, sections cited per rule).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

# VC DM 2.0 §4.4: identifiers are URLs (RFC 3986 absolute URIs; DIDs and urn:uuid are URLs here): a scheme,
# a colon and no whitespace.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+", re.ASCII)

# VC DM 2.0: objects that MUST name their type — credentialStatus (§4.10), credentialSchema (§4.11),
# refreshService (§5.4), termsOfUse (§5.5), evidence (§5.6).
TYPED = ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence")


# VC Data Model 2.0 §4.9 (validFrom, validUntil), VC 1.1 §4.6-4.7 (issuanceDate, expirationDate) and VC-API's
# `expires`: an xsd:dateTimeStamp, i.e. a date, a time and a time zone.
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII)


def date_time_stamp(value: Any) -> datetime | None:
    """The moment an xsd:dateTimeStamp names, or None for anything else (no time zone, 2026-02-30, 25:61, a number)."""
    if not isinstance(value, str) or not _STAMP.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_url(value: Any) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has_type(entry: dict) -> bool:
    kind = entry.get("type")
    return (isinstance(kind, str) and kind != "") or (isinstance(kind, list) and kind != [] and all(isinstance(k, str) and k for k in kind))


def data_model_errors(credential: dict[str, Any]) -> list[str]:
    """What in `credential` breaks the VC Data Model 2.0 rules above (empty when nothing does)."""
    errors: list[str] = []
    # §4.4: the credential's id, if any, is a single URL.
    if "id" in credential and not is_url(credential["id"]):
        errors.append("the credential's id must be a single URL")
    # §4.5: one value of type is VerifiableCredential.
    types = credential.get("type")
    if "VerifiableCredential" not in (types if isinstance(types, list) else [types]):
        errors.append("the credential's type must include VerifiableCredential")
    # §4.8: credentialSubject is one or more objects (VC 1.1 §4.4: "a set of objects"), each the subject of one or
    # more claims; a string, a number, true or an empty list states nothing about anyone.
    subjects = credential.get("credentialSubject")
    if subjects is None or subjects == []:
        errors.append("a credential needs a credentialSubject")
    for subject in _items(subjects) if subjects is not None else []:
        if not isinstance(subject, dict):
            errors.append("each credentialSubject must be an object (not a string, a number or true/false)")
            break
        if not subject:
            errors.append("each credentialSubject must state at least one claim (an empty object states none)")
            break
        if "id" in subject and not is_url(subject["id"]):
            errors.append("the id of a credentialSubject must be a single URL")
            break
    for name in TYPED:
        if name not in credential:
            continue
        for entry in _items(credential[name]):
            if not isinstance(entry, dict):
                errors.append(f"each {name} must be an object")
            elif not _has_type(entry):
                errors.append(f"each {name} must have a type")
            elif "id" in entry and not is_url(entry["id"]):  # §4.4 applies to every id
                errors.append(f"the id of a {name} must be a single URL")
            elif name == "credentialSchema" and not is_url(entry.get("id")):  # §4.11: id is required
                errors.append("each credentialSchema must have an id that is a URL")
    errors.extend(_related_resource_errors(credential))
    return errors


def _related_resource_errors(credential: dict[str, Any]) -> list[str]:
    """§5.3 Integrity of Related Resources: objects, each with a URL `id` unique in the list and a
    `digestSRI` or `digestMultibase`. (The digests are the verifier's to check against the resource it
    retrieves; the platform retrieves nothing.)"""
    if "relatedResource" not in credential:
        return []
    seen: set[str] = set()
    for resource in _items(credential["relatedResource"]):
        if not isinstance(resource, dict):
            return ["each relatedResource must be an object (not a string or a number)"]
        if not is_url(resource.get("id")):
            return ["each relatedResource must have an id that is a URL"]
        if resource["id"] in seen:
            return ["the ids of the relatedResource objects must be unique"]
        seen.add(resource["id"])
        if not any(isinstance(resource.get(d), str) and resource[d] for d in ("digestSRI", "digestMultibase")):
            return ["each relatedResource must have a digestSRI or a digestMultibase"]
    return []
