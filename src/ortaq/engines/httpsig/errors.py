"""The one exception of the engine, with a machine-readable code the federation app maps to HTTP."""

from __future__ import annotations

CODES = frozenset(
    {
        "missing_signature",  # no Signature / Signature-Input header, or no member with the label
        "malformed_signature",  # headers that are not valid structured fields, unknown components or params
        "unknown_key",  # resolve_key returned None for the keyid
        "bad_signature",  # the Ed25519 signature does not verify over the rebuilt signature base
        "bad_digest",  # Content-Digest does not match the body (or cannot be read)
        "missing_digest",  # Content-Digest is covered or required but absent, or has no supported algorithm
        "stale_signature",  # created longer ago than max_age, or past its expires
        "future_signature",  # created further in the future than max_skew
        "replayed_signature",  # the (keyid, nonce) pair was seen before
        "missing_component",  # a required component is not covered, or a covered one is absent
    }
)


class SignatureError(Exception):
    """Why a message signature was refused; `code` is one of CODES."""

    def __init__(self, code: str, message: str = "") -> None:
        if code not in CODES:
            raise ValueError(f"unknown signature error code {code!r}")
        super().__init__(message or code)
        self.code = code
        self.message = message or code

    def __repr__(self) -> str:
        return f"SignatureError({self.code!r}, {self.message!r})"
