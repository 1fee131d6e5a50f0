"""JSON Schema validation of credentials before signing and when verifying.

CLR 2.0 credentials are validated against the 1EdTech-published schema
(`schemas/clr_v2p0_clrcredential_schema.json`, byte-identical to the file served at its `$id`,
digest pinned in the tests), and every OpenBadgeCredential embedded in a transcript is also
validated against the Open Badges schemas. Open Badges 3.0 credentials must pass two schemas:
the 1EdTech-published AchievementCredential schema as CLR 2.0 publishes it
(`schemas/clr_v2p0_achievementcredential_schema.json`, byte-identical, digest pinned; the OB 3.0
edition of the same file was not available to us), and Ortaq's own profile
`schemas/ob_v3p0_achievementcredential.json`, which adds what the published file leaves to
`format` keywords that JSON Schema 2019-09 does not assert (date-time syntax) and Ortaq's rules.
The one deviation from the published files (several `credentialStatus` entries) is in
`_status_as_published`. See docs/credentials.md and schemas/NOTICE.md.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator
from referencing import Registry, Resource

OB_SCHEMA_ID = "https://ortaq.org/ns/credentials/schemas/ob_v3p0_achievementcredential.json"
# 1EdTech CLR 2.0 (JSON-LD adaptation, as served at this URL); see schemas/NOTICE.md.
CLR_SCHEMA_ID = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
# 1EdTech's AchievementCredential schema as published with CLR 2.0 (JSON-LD adaptation).
ACHIEVEMENT_CREDENTIAL_SCHEMA_ID = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_achievementcredential_schema.json"
_FILES = {
    OB_SCHEMA_ID: "ob_v3p0_achievementcredential.json",
    CLR_SCHEMA_ID: "clr_v2p0_clrcredential_schema.json",
    ACHIEVEMENT_CREDENTIAL_SCHEMA_ID: "clr_v2p0_achievementcredential_schema.json",
}
# SHA-256 of the shipped files (asserted by the tests; the published ones must stay byte-identical).
DIGESTS = {
    CLR_SCHEMA_ID: "59d778659204b0bd593e9e2ab1683fb6f688e339885c44019f606ed6feb4caee",
    ACHIEVEMENT_CREDENTIAL_SCHEMA_ID: "c3cbfc94bde1c1ed8500994933fefb2dadc13a591bbe7b6c58e9978921fd34c3",
}
# An OpenBadgeCredential must pass every schema listed here (published first).
_OB_SCHEMAS = (ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, OB_SCHEMA_ID)
_PUBLISHED = (CLR_SCHEMA_ID, ACHIEVEMENT_CREDENTIAL_SCHEMA_ID)


def _status_as_published(document: dict[str, Any], schema_id: str) -> tuple[dict[str, Any], list[str]]:
    """The one documented deviation from the published 1EdTech schemas.

    They allow a single `credentialStatus` object (OB 3.0 / CLR 2.0 cardinality 0..1); VC 2.0 allows
    several, and Ortaq issues two (a revocation and a suspension BitstringStatusListEntry). An array
    is accepted when each entry on its own passes the published `CredentialStatus` definition; the
    rest of the document is validated against the published schema unchanged. See schemas/NOTICE.md.
    """
    status = document.get("credentialStatus")
    if schema_id not in _PUBLISHED or not isinstance(status, list):
        return document, []
    definition = Draft201909Validator(schema_document(schema_id)["$defs"]["CredentialStatus"])
    messages = []
    for position, entry in enumerate(status):
        for error in definition.iter_errors(entry):
            path = "/".join(str(p) for p in ["credentialStatus", position, *error.absolute_path])
            messages.append(f"{path}: {_short(error.message)}")
    trimmed = {k: v for k, v in document.items() if k != "credentialStatus"}
    return trimmed, messages


def schema_bytes(schema_id: str) -> bytes:
    return resources.files(__package__).joinpath("schemas", _FILES[schema_id]).read_bytes()


def schema_document(schema_id: str) -> dict[str, Any]:
    return json.loads(schema_bytes(schema_id).decode("utf-8"))


@functools.cache
def _validator(schema_id: str, *, achievement_checked: bool = False) -> Draft201909Validator:
    registry: Registry = Registry().with_resources(
        (sid, Resource.from_contents(schema_document(sid))) for sid in _FILES
    )
    schema = schema_document(schema_id)
    if achievement_checked:
        # Variant used when this exact achievement JSON already passed full validation.
        schema["$defs"]["AchievementSubject"]["properties"]["achievement"] = {"type": "object"}
    return Draft201909Validator(schema, registry=registry)


# A cohort's credentials share one achievement (the course or qualification); validating that
# subtree once per distinct JSON value instead of once per credential halves the schema cost of
# batch issuance. Validation is a pure function of the JSON value, so the memo cannot change results.
_VALID_ACHIEVEMENTS: dict[str, None] = {}
_MAX_MEMO = 512


def _achievement_key(document: dict[str, Any]) -> str | None:
    subject = document.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("achievement"), dict):
        try:
            return json.dumps(subject["achievement"], sort_keys=True, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return None
    return None


def schema_ids_for(schema_id: str) -> tuple[str, ...]:
    """The schema files actually applied for `schema_id` (published first)."""
    return _OB_SCHEMAS if schema_id == OB_SCHEMA_ID else (schema_id,)


def schema_for(document: dict[str, Any]) -> str | None:
    """Which shipped schema applies, from the credential's `type`."""
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    if "ClrCredential" in types:
        return CLR_SCHEMA_ID
    if "OpenBadgeCredential" in types or "AchievementCredential" in types:
        return OB_SCHEMA_ID
    return None


def validate(document: Any, schema_id: str | None = None) -> list[str]:
    """Human-readable schema errors (empty list = valid). At most 20, each with its JSON path."""
    if not isinstance(document, dict):
        return ["a credential must be a JSON object"]
    schema_id = schema_id or schema_for(document)
    if schema_id is None:
        return ["type must include OpenBadgeCredential, AchievementCredential or ClrCredential"]
    key = _achievement_key(document) if schema_id == OB_SCHEMA_ID else None
    checked = key is not None and key in _VALID_ACHIEVEMENTS
    ids = schema_ids_for(schema_id)
    messages: list[str] = []
    for sid in ids:
        target, status_messages = _status_as_published(document, sid)
        messages.extend(m for m in status_messages if m not in messages)
        errors = sorted(_validator(sid, achievement_checked=checked).iter_errors(target), key=lambda e: [str(p) for p in e.absolute_path])
        for error in errors:
            path = "/".join(str(p) for p in error.absolute_path) or "(document)"
            message = f"{path}: {_short(error.message)}"
            if message not in messages:
                messages.append(message)
    if key is not None and not messages and not checked:
        if len(_VALID_ACHIEVEMENTS) >= _MAX_MEMO:
            _VALID_ACHIEVEMENTS.clear()
        _VALID_ACHIEVEMENTS[key] = None
    if schema_id == CLR_SCHEMA_ID:
        messages.extend(_embedded_badge_errors(document))
    return messages[:20]


def _embedded_badge_errors(document: dict[str, Any]) -> list[str]:
    """The published CLR schema checks embedded credentials only as generic VCs; check each
    embedded OpenBadgeCredential against the Open Badges schema as well."""
    subject = document.get("credentialSubject")
    nested = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    nested = nested if isinstance(nested, list) else [nested] if isinstance(nested, dict) else []
    messages = []
    for position, credential in enumerate(nested[:200]):
        if isinstance(credential, dict) and schema_for(credential) == OB_SCHEMA_ID:
            unsecured = {k: v for k, v in credential.items() if k != "proof"}
            for message in validate(unsecured, OB_SCHEMA_ID):
                messages.append(f"credentialSubject/verifiableCredential/{position}/{message}")
    return messages


def _short(message: str) -> str:
    # jsonschema quotes whole sub-documents in some messages; keep reports readable.
    return message if len(message) <= 200 else message[:197] + "..."
