"""Public types of the federation: what other apps and the edges may import."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

# A JSON object as it crosses between nodes (a message payload, a manifest): JSON, typed as far as JSON goes.
JsonObject = dict[str, Any]

FEDERATION_API_VERSION = "1"


class RefusalCode(StrEnum):
    """Why a node refuses a server-to-server request; the `code` of the JSON error body. Closed and
    documented in docs/federation.md, so that a peer's operator can act on it."""

    UNSIGNED = "unsigned"  # no Signature / Signature-Input headers
    BAD_SIGNATURE = "bad_signature"  # the signature does not verify (tampered body, wrong key, malformed)
    STALE = "stale"  # created too long ago or in the future
    REPLAY = "replay"  # this nonce was already used with this key
    UNTRUSTED = "untrusted"  # the key belongs to no trusted (or to a removed) peer
    INVALID_MESSAGE = "invalid_message"  # not a federation message (id, kind, from, to, payload)
    WRONG_NODE = "wrong_node"  # addressed to another node, or `from` is not the signer
    UNKNOWN_KIND = "unknown_kind"  # a kind this node does not handle
    NOT_HOME = "not_home"  # the sender is not the home node of the agreement (or of the approving institution)
    CONFLICT = "conflict"  # the content does not hold here: another SHA-256, no party hosted here, an unknown version
    UNKNOWN_PARTY = "unknown_party"  # an institution named is not (yet) in the registry here: its manifest must be read


# Refusals that will not change by sending the same message again: the sender records them and moves on to the
# next message instead of holding the peer's queue. Every other failure is retried with backoff.
PERMANENT_REFUSALS = frozenset({RefusalCode.INVALID_MESSAGE, RefusalCode.UNKNOWN_KIND, RefusalCode.WRONG_NODE,
                                RefusalCode.NOT_HOME, RefusalCode.CONFLICT})


class FederationError(Exception):
    """A federation act failed (a manifest that cannot be fetched or read, a fingerprint that does not match)."""

    def __init__(self, message: str, *, code: str = "federation") -> None:
        super().__init__(message)
        self.code = code


class Refused(Exception):
    """The node refuses a peer's request: HTTP status, code (RefusalCode) and a sentence for its operator."""

    def __init__(self, status: int, code: RefusalCode, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
