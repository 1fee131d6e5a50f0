"""Versions for records that have no version column: a short hash of the content a client may change.

A client reads `version`, sends it back as `expected_version` with its edit or transition, and the service refuses
(409 version_conflict, with the current version) when the record has changed in between. Any change of the hashed
content changes the version, and two clients that read the same content hold the same version; unlike a counter
it needs no migration of the record's table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from ortaq.errors import VersionConflict

VERSION_LENGTH = 16  # hex digits: 64 bits, enough that two contents of one record never collide in practice


def content_version(content: Mapping[str, object]) -> str:
    """The version of `content` (field name to value; dates, decimals and the like by their str())."""
    canonical = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VERSION_LENGTH]


def check_version(*, expected: str | None, current: str) -> None:
    """Refuse an edit made from another version than the current one; no expectation, no check (as in agreements)."""
    if expected is not None and expected != current:
        raise VersionConflict(current)
