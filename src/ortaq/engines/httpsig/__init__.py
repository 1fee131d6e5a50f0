"""HTTP Message Signatures between Ortaq nodes (no Django).

RFC 9421 signatures with Ed25519 (`alg="ed25519"`) over requests and responses, with the body
bound through a Content-Digest header (RFC 9530, sha-256). `sign_request`/`sign_response` return
the headers to add; `verify_request`/`verify_response` return a `Verified` or raise
`SignatureError` whose `code` says why (see `errors.CODES`). Signature-Input and Signature are
parsed as RFC 8941 structured fields by a small strict parser (`structured`).
"""

from __future__ import annotations

from .components import Message, signature_base
from .digest import check_content_digest, content_digest
from .errors import CODES, SignatureError
from .signatures import (
    ALG,
    DEFAULT_LABEL,
    MAX_HEADER_LENGTH,
    Verified,
    sign_request,
    sign_response,
    verify_request,
    verify_response,
)

__all__ = [
    "ALG",
    "CODES",
    "DEFAULT_LABEL",
    "MAX_HEADER_LENGTH",
    "Message",
    "SignatureError",
    "Verified",
    "check_content_digest",
    "content_digest",
    "sign_request",
    "sign_response",
    "signature_base",
    "verify_request",
    "verify_response",
]
