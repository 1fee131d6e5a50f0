"""JSON Schema validation of credentials before signing and when verifying.

CLR 2.0 credentials are validated against the 1EdTech-published schema
(`schemas/clr_v2p0_clrcredential_schema.json`, byte-identical to the file served at its `$id`,
digest pinned in the tests), and every OpenBadgeCredential embedded in a transcript is also
validated against the Open Badges schema. Open Badges 3.0 credentials are validated against
`schemas/ob_v3p0_achievementcredential.json`, which Ortaq wrote from the OB 3.0 data model because
the published OB file was not available to us; see docs/credentials.md and schemas/NOTICE.md.
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
_FILES = {OB_SCHEMA_ID: "ob_v3p0_achievementcredential.json", CLR_SCHEMA_ID: "clr_v2p0_clrcredential_schema.json"}
# SHA-256 of the shipped files (asserted by the tests; the published ones must stay byte-identical).
DIGESTS = {
    CLR_SCHEMA_ID: "59d778659204b0bd593e9e2ab1683fb6f688e339885c44019f606ed6feb4caee",
}


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
    validator = _validator(schema_id, achievement_checked=key is not None and key in _VALID_ACHIEVEMENTS)
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    if key is not None and not errors and key not in _VALID_ACHIEVEMENTS:
        if len(_VALID_ACHIEVEMENTS) >= _MAX_MEMO:
            _VALID_ACHIEVEMENTS.clear()
        _VALID_ACHIEVEMENTS[key] = None
    messages = []
    for error in errors[:20]:
        path = "/".join(str(p) for p in error.absolute_path) or "(document)"
        messages.append(f"{path}: {_short(error.message)}")
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
