"""Bitstring Status List v1.0: revocation and suspension lists, and checking a credential's status.

Herd privacy needs large lists and unpredictable positions, so a list has at least 131,072 entries
(16 KiB, the spec's minimum) and indices are drawn with `secrets`, not sequentially. The status of
a credential is never guessed: if its list cannot be obtained, is stale, is not correctly signed
by the same issuer, or cannot be decoded, the answer is `unknown`, which a verifier must not treat
as valid.
"""

from __future__ import annotations

import gzip
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .contexts import VC_V2_URL
from .multibase import MultibaseError, multibase_decode, multibase_encode

MIN_ENTRIES = 131_072
MAX_ENCODED_LIST_BYTES = 2_000_000  # compressed input cap
MAX_LIST_BITS = 64 * 1024 * 1024  # decompressed cap: defeats gzip bombs
PURPOSES = ("revocation", "suspension")

StatusResolver = Callable[[str], "dict[str, Any] | None"]


class StatusListError(ValueError):
    """A status list is malformed or an index is out of range."""


@dataclass
class StatusList:
    """A bitstring; index 0 is the most significant bit of the first byte (spec §3.2)."""

    purpose: str = "revocation"
    size: int = MIN_ENTRIES
    bits: bytearray = field(default_factory=bytearray)
    allocated: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise StatusListError(f"statusPurpose must be one of {PURPOSES}, not {self.purpose!r}")
        if self.size < MIN_ENTRIES or self.size % 8:
            raise StatusListError(f"a status list needs at least {MIN_ENTRIES} entries, in whole bytes")
        if not self.bits:
            self.bits = bytearray(self.size // 8)
        elif len(self.bits) * 8 != self.size:
            raise StatusListError("bitstring length does not match size")

    def _check(self, index: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < self.size:
            raise StatusListError(f"index {index!r} is outside 0..{self.size - 1}")

    def allocate(self) -> int:
        """A random index not yet handed out (random so that position says nothing about who)."""
        if len(self.allocated) >= self.size:
            raise StatusListError("status list is full")
        while True:
            index = secrets.randbelow(self.size)
            if index not in self.allocated:
                self.allocated.add(index)
                return index

    def get(self, index: int) -> bool:
        self._check(index)
        return bool(self.bits[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool = True) -> None:
        """Set (revoke/suspend) or clear (reinstate) an entry."""
        self._check(index)
        if value:
            self.bits[index // 8] |= 0x80 >> (index % 8)
        else:
            self.bits[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF

    def clear(self, index: int) -> None:
        self.set(index, False)

    def encode(self) -> str:
        """GZIP + multibase base64url (`u…`), as `encodedList` requires. mtime=0 keeps it reproducible."""
        return multibase_encode(gzip.compress(bytes(self.bits), mtime=0), "u")

    @classmethod
    def decode(cls, encoded: str, purpose: str = "revocation") -> "StatusList":
        bits = decode_bits(encoded)
        return cls(purpose=purpose, size=len(bits) * 8, bits=bytearray(bits))

    def entry(self, index: int, list_url: str) -> dict[str, Any]:
        """The `credentialStatus` entry that points a credential at this list."""
        self._check(index)
        return {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }

    def credential(
        self,
        list_url: str,
        issuer: str,
        *,
        valid_from: str | None = None,
        valid_until: str | None = None,
        ttl_ms: int | None = None,
    ) -> dict[str, Any]:
        """The unsigned BitstringStatusListCredential; sign it with the issuer's key."""
        subject: dict[str, Any] = {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": self.purpose,
            "encodedList": self.encode(),
        }
        if ttl_ms is not None:
            subject["ttl"] = ttl_ms
        document: dict[str, Any] = {
            "@context": [VC_V2_URL],
            "id": list_url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer,
            "validFrom": valid_from or datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "credentialSubject": subject,
        }
        if valid_until:
            document["validUntil"] = valid_until
        return document


def decode_bits(encoded: Any) -> bytes:
    """Decode `encodedList` with caps on both compressed and decompressed size."""
    if not isinstance(encoded, str) or len(encoded) > MAX_ENCODED_LIST_BYTES:
        raise StatusListError("encodedList is missing or too large")
    try:
        compressed = multibase_decode(encoded)
    except MultibaseError as exc:
        raise StatusListError(f"encodedList: {exc}") from None
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, MAX_LIST_BITS // 8 + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not GZIP data: {exc}") from None
    if len(bits) > MAX_LIST_BITS // 8 or inflater.unconsumed_tail:
        raise StatusListError("encodedList decompresses to more than the allowed size")
    if len(bits) * 8 < MIN_ENTRIES:
        raise StatusListError(f"status list has {len(bits) * 8} entries; at least {MIN_ENTRIES} are required")
    return bits


class StatusListCache:
    """A status resolver over lists the platform (or an operator) has fetched, with an age limit.

    `put(url, credential)` records when a list was obtained; `__call__(url)` returns it only while
    younger than `max_age_seconds` (or its own `ttl`), so a verifier offline for too long gets
    `unknown`, not a stale "valid".
    """

    def __init__(self, max_age_seconds: float = 24 * 3600, clock: Callable[[], float] = time.time) -> None:
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._lists: dict[str, tuple[float, dict[str, Any]]] = {}

    def put(self, url: str, credential: dict[str, Any], fetched_at: float | None = None) -> None:
        self._lists[url] = (self._clock() if fetched_at is None else fetched_at, credential)

    def __call__(self, url: str) -> dict[str, Any] | None:
        if url not in self._lists:
            return None
        fetched_at, credential = self._lists[url]
        limit = self.max_age_seconds
        ttl = credential.get("credentialSubject", {}).get("ttl") if isinstance(credential.get("credentialSubject"), dict) else None
        if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0:
            limit = min(limit, ttl / 1000)
        if self._clock() - fetched_at > limit:
            return None
        return credential
