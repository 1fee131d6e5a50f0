"""Bundled JSON-LD contexts and the offline document loader.

Canonicalisation (RDFC-1.0) depends on the exact context documents a credential names. Fetching
them at verification time would make a verifier depend on the network and let a context host
silently change what a signature covers, so every context is shipped inside the package, pinned
by SHA-256, and served by a loader that refuses anything else. An unknown context is a clean
failure (`UnknownContextError`), never a fetch.

Sources and licences are listed in `contexts/NOTICE.md`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from typing import Any

ORTAQ_CONTEXT_URL = "https://ortaq.org/ns/credentials/v1"
VC_V2_URL = "https://www.w3.org/ns/credentials/v2"
VC_V1_URL = "https://www.w3.org/2018/credentials/v1"
OB_V3P0_URL = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2P0_URL = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
DATA_INTEGRITY_V2_URL = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1_URL = "https://w3id.org/security/multikey/v1"
ED25519_2020_URL = "https://w3id.org/security/suites/ed25519-2020/v1"

# url -> (file name, SHA-256 of the bundled bytes). The digests are asserted by the tests; where
# a standards body publishes a digest (VC 2.0 Appendix B.1 for credentials/v2) it is the same value.
CONTEXTS: dict[str, tuple[str, str]] = {
    VC_V2_URL: (
        "credentials-v2.jsonld",
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    ),
    # VC Data Model 1.1 base context. W3C publishes this SHA-256 for it (VC 1.1, appendix B.1, "Base
    # Context"); the bytes are w3c/vc-data-model `contexts/credentials/v1` as of the v1.1 Recommendation.
    VC_V1_URL: (
        "credentials-v1.jsonld",
        "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
    ),
    DATA_INTEGRITY_V2_URL: (
        "data-integrity-v2.jsonld",
        "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
    ),
    "https://w3id.org/security/data-integrity/v1": (
        "data-integrity-v1.jsonld",
        "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
    ),
    MULTIKEY_V1_URL: (
        "multikey-v1.jsonld",
        "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
    ),
    ED25519_2020_URL: (
        "ed25519-signature-2020-v1.jsonld",
        "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588",
    ),
    "https://www.w3.org/ns/credentials/status/v1": (
        "bitstring-status-list-v1.jsonld",
        "fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c",
    ),
    OB_V3P0_URL: (
        "ob-v3p0-context-3.0.3.jsonld",
        "01d87cc8b5357af557bfb09428f603c4691c49ef8a6089945a70bda1b96b1db2",
    ),
    CLR_V2P0_URL: (
        "clr-v2p0-context-2.0.1.jsonld",
        "30e8c666adf9fd720c118ce0bafe65dbd2a88f6d2acf362f34bfb0f4753804d1",
    ),
    ORTAQ_CONTEXT_URL: (
        "ortaq-credentials-v1.jsonld",
        "f5884062b1f9a167efafcf9afd4daed9173ab27ea75e542bf9e6c6116b385889",
    ),
}


class UnknownContextError(ValueError):
    """A document names a JSON-LD context that is not bundled; nothing is fetched."""


def context_bytes(url: str) -> bytes:
    """The exact bundled bytes for a context URL (the platform serves ours from these)."""
    try:
        name, _digest = CONTEXTS[url]
    except KeyError:
        raise UnknownContextError(f"unknown JSON-LD context {url!r}: only bundled contexts are used, nothing is fetched") from None
    return resources.files(__package__).joinpath("contexts", name).read_bytes()


@functools.cache
def context_document(url: str) -> dict[str, Any]:
    document = json.loads(context_bytes(url))
    if not isinstance(document, dict):  # pragma: no cover - bundled files are objects
        raise UnknownContextError(f"bundled context {url!r} is not a JSON object")
    return document


def verify_bundled_digests() -> dict[str, bool]:
    """url -> whether the bundled bytes still hash to the pinned SHA-256."""
    return {url: hashlib.sha256(context_bytes(url)).hexdigest() == digest for url, (_name, digest) in CONTEXTS.items()}


_EXTRA: dict[str, dict[str, Any]] = {}


def register_context(url: str, document: dict[str, Any]) -> None:
    """Add a pinned context at run time (tests use the W3C examples context this way).

    Extra contexts are served untagged, so pyld does not keep them in its shared cache.
    """
    if url in CONTEXTS:
        raise ValueError(f"{url} is a bundled context and cannot be replaced")
    _EXTRA[url] = document


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld document loader over the bundled contexts only.

    The `static` tag lets pyld keep the processed context in its shared cache for the life of the
    process, so a thousand credentials do not re-process the same contexts a thousand times. That
    is safe only because these documents are immutable and pinned.
    """
    if url in _EXTRA:
        return {"contextUrl": None, "documentUrl": url, "document": _EXTRA[url]}
    if url not in CONTEXTS:
        raise UnknownContextError(f"unknown JSON-LD context {url!r}: only bundled contexts are used, nothing is fetched")
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url), "tag": "static"}
