"""HTTP between nodes (the standard library's urllib: no extra dependency). Every request this node sends to a
peer is signed with its current key (RFC 9421, ortaq.engines.httpsig) and every answer must carry the peer's
signature bound to that request; a manifest is fetched unsigned (it is what pins the keys, checked against the
operator's fingerprint)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from ortaq.engines import httpsig

from . import keys
from .selectors import resolve_peer_key
from .types import FederationError, JsonObject

MANIFEST_PATH = "/.well-known/ortaq-node.json"
TIMEOUT_SECONDS = 15
MAX_BODY = 5 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    verified: bool  # the answer's signature verified against the peer's pinned key

    def json(self) -> JsonObject:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def fetch_manifest(base_url: str) -> JsonObject:
    url = base_url.rstrip("/") + MANIFEST_PATH
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) only, checked by the caller)
            body = response.read(MAX_BODY)
    except (urllib.error.URLError, OSError) as error:
        raise FederationError(f"cannot fetch {url}: {error}", code="unreachable") from error
    try:
        manifest = json.loads(body)
    except ValueError as error:
        raise FederationError(f"{url} is not JSON", code="bad_manifest") from error
    if not isinstance(manifest, dict):
        raise FederationError(f"{url} is not a node manifest", code="bad_manifest")
    return manifest


def post_signed(url: str, body: bytes) -> Answer:
    """POST a JSON body signed with this node's current key; the answer's signature is checked against the
    keys pinned for the peer (a forged or unsigned answer counts as not delivered)."""
    key = keys.current_key()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    headers |= httpsig.sign_request(method="POST", url=url, headers=headers, body=body, key_id=keys.key_id(key), private_key=keys.private_key(key))
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status, answer_headers, answer_body = response.status, dict(response.headers.items()), response.read(MAX_BODY)
    except urllib.error.HTTPError as error:  # a 4xx/5xx still carries a (signed) answer
        status, answer_headers, answer_body = error.code, dict(error.headers.items()), error.read(MAX_BODY)
    except (urllib.error.URLError, OSError) as error:
        raise FederationError(f"cannot reach {url}: {error}", code="unreachable") from error
    try:
        httpsig.verify_response(status=status, headers=answer_headers, body=answer_body, resolve_key=resolve_peer_key,
                                request_signature=headers["Signature"])
        verified = True
    except httpsig.SignatureError:
        verified = False
    return Answer(status=status, body=answer_body, verified=verified)
