"""DID documents for issuers: did:key (computed) and did:web (generated, cached, optionally fetched).

A verifier in a ministry office may be offline, so did:web documents are resolved from a local
cache first (an in-memory map or a directory of `did.json` files); HTTPS is used only when the
operator explicitly allows it. Plain HTTPS controller documents (an issuer URL rather than a DID,
as in the 1EdTech examples) can be registered the same way.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .keys import MULTIKEY_CONTEXT, KeyError_, Multikey, resolve_did_key

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MAX_DID_DOCUMENT_BYTES = 256_000


class DidResolutionError(ValueError):
    """A DID or controller document could not be resolved (offline, unknown, malformed)."""


def did_web(domain: str, path: str | Iterable[str] | None = None) -> str:
    """`did:web` identifier for a domain (port allowed, percent-encoded) and optional path."""
    host = urllib.parse.quote(domain.strip().lower(), safe="")
    segments = [path] if isinstance(path, str) else list(path or [])
    parts = [s for segment in segments for s in str(segment).strip("/").split("/") if s]
    return ":".join(["did:web", host, *(urllib.parse.quote(p, safe="") for p in parts)])


def did_web_url(did: str) -> str:
    """HTTPS URL of a did:web document (DID Web method spec §3.2)."""
    if not did.startswith("did:web:"):
        raise DidResolutionError(f"{did!r} is not a did:web")
    host, *path = did.removeprefix("did:web:").split(":")
    host = urllib.parse.unquote(host)
    suffix = "/".join(urllib.parse.unquote(p) for p in path) + "/did.json" if path else ".well-known/did.json"
    return f"https://{host}/{suffix}"


def did_web_document(domain: str, path: str | Iterable[str] | None, keys: Iterable[Multikey]) -> dict[str, Any]:
    """DID document for an issuer's did:web with every key it ever used.

    Retired keys stay listed under `assertionMethod` with their `expires`/`revoked` time, so a
    diploma signed in 2026 still verifies after the 2027 rotation, while a proof dated after the
    retirement does not.
    """
    did = did_web(domain, path)
    methods = []
    for key in keys:
        if key.controller != did:
            raise KeyError_(f"key {key.id} is controlled by {key.controller}, not {did}")
        methods.append(key.to_verification_method())
    active = [m["id"] for m in methods if not m.get("revoked") and not m.get("expires")]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods if not m.get("revoked")],
        "authentication": active,
    }


def retire_key(document: dict[str, Any], key_id: str, at: str, *, compromised: bool = False) -> dict[str, Any]:
    """Mark a key as retired (`expires`) or compromised (`revoked`) at `at`; never delete it.

    A compromised key is also removed from `assertionMethod`, so nothing it signed verifies.
    """
    updated = json.loads(json.dumps(document))
    for method in updated.get("verificationMethod", []):
        if method.get("id") == key_id:
            method["revoked" if compromised else "expires"] = at
            break
    else:
        raise KeyError_(f"{key_id} is not in {document.get('id')}")
    updated["authentication"] = [m for m in updated.get("authentication", []) if m != key_id]
    if compromised:
        updated["assertionMethod"] = [m for m in updated.get("assertionMethod", []) if m != key_id]
    return updated


def add_key(document: dict[str, Any], key: Multikey) -> dict[str, Any]:
    """Add a new (rotated-in) key as an active assertion and authentication method."""
    updated = json.loads(json.dumps(document))
    if key.controller != updated.get("id"):
        raise KeyError_(f"key {key.id} is controlled by {key.controller}, not {updated.get('id')}")
    updated.setdefault("verificationMethod", []).append(key.to_verification_method())
    updated.setdefault("assertionMethod", []).append(key.id)
    updated.setdefault("authentication", []).append(key.id)
    return updated


class DidResolver:
    """Resolves controller documents: did:key locally, others from memory, a cache dir, or HTTPS."""

    def __init__(
        self,
        documents: Iterable[dict[str, Any]] = (),
        *,
        cache_dir: str | Path | None = None,
        allow_https: bool = False,
        timeout: float = 5.0,
    ) -> None:
        self._documents: dict[str, dict[str, Any]] = {}
        # Results that depend on what this resolver trusts (verified status lists); cleared
        # whenever a document is added, so a rotated or revoked key is never overlooked.
        self.memo: dict[str, Any] = {}
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.allow_https = allow_https
        self.timeout = timeout
        for document in documents:
            self.add(document)

    def add(self, document: dict[str, Any]) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise DidResolutionError("a controller document needs a string id")
        self._documents[document["id"]] = document
        self.memo.clear()

    def _cache_path(self, did: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (urllib.parse.quote(did, safe="") + ".json")

    def resolve(self, did: str) -> dict[str, Any]:
        did = did.split("#", 1)[0]
        if did.startswith("did:key:"):
            try:
                return resolve_did_key(did)
            except KeyError_ as exc:
                raise DidResolutionError(str(exc)) from None
        if did in self._documents:
            return self._documents[did]
        path = self._cache_path(did)
        if path is not None and path.is_file():
            return self._remember(did, path.read_bytes())
        if not did.startswith("did:web:"):
            raise DidResolutionError(f"controller document for {did} is not in the local cache")
        if not self.allow_https:
            raise DidResolutionError(f"{did} is not in the local cache and HTTPS resolution is not allowed")
        return self._fetch(did)

    def _fetch(self, did: str) -> dict[str, Any]:
        url = did_web_url(did)
        request = urllib.request.Request(url, headers={"Accept": "application/did+json, application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - https only
                body = response.read(MAX_DID_DOCUMENT_BYTES + 1)
        except OSError as exc:
            raise DidResolutionError(f"could not fetch {url}: {exc}") from None
        if len(body) > MAX_DID_DOCUMENT_BYTES:
            raise DidResolutionError(f"{url} is larger than {MAX_DID_DOCUMENT_BYTES} bytes")
        document = self._remember(did, body)
        path = self._cache_path(did)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        return document

    def _remember(self, did: str, body: bytes) -> dict[str, Any]:
        try:
            document = json.loads(body)
        except ValueError:
            raise DidResolutionError(f"the document for {did} is not JSON") from None
        if not isinstance(document, dict) or document.get("id") != did:
            raise DidResolutionError(f"the document for {did} does not describe {did}")
        self._documents[did] = document
        self.memo.clear()
        return document

    def verification_method(self, method_id: str) -> tuple[Multikey, dict[str, Any]]:
        """The key behind a verification method id and the controller document that lists it."""
        if not isinstance(method_id, str) or not method_id:
            raise DidResolutionError("proof has no verificationMethod")
        controller_id = method_id.split("#", 1)[0]
        document = self.resolve(controller_id)
        for method in document.get("verificationMethod", []):
            if isinstance(method, dict) and method.get("id") == method_id:
                try:
                    return Multikey.from_json(method), document
                except KeyError_ as exc:
                    raise DidResolutionError(f"verification method {method_id}: {exc}") from None
        raise DidResolutionError(f"{controller_id} does not list the verification method {method_id}")


def authorised_for(document: dict[str, Any], method_id: str, purpose: str) -> bool:
    """Whether the controller document lists `method_id` under the proof purpose relationship."""
    for entry in document.get(purpose, []) or []:
        if entry == method_id or (isinstance(entry, dict) and entry.get("id") == method_id):
            return True
    return False
