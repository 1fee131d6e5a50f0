"""Ed25519 keys as Multikey verification methods, and did:key.

A key file (`ortaq credentials keygen`) is the Multikey JSON of the Controlled Identifiers spec
plus its secret: `type`, `id`, `controller`, `publicKeyMultibase`, `secretKeyMultibase`. Keys are
never deleted when rotated; they are marked `revoked`/`expires` in the issuer's DID document so
that what they signed before that moment still verifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, PublicFormat, NoEncryption

from .multibase import MultibaseError, decode_public_key, decode_secret_key, encode_public_key, encode_secret_key

MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


class KeyError_(ValueError):
    """A key file or verification method is unusable."""


@dataclass
class Multikey:
    """An Ed25519 Multikey; `secret_seed` is None for public-only keys."""

    id: str
    controller: str
    public_key: bytes
    secret_seed: bytes | None = field(default=None, repr=False)
    revoked: str | None = None
    expires: str | None = None

    @property
    def public_key_multibase(self) -> str:
        return encode_public_key(self.public_key)

    def sign(self, data: bytes) -> bytes:
        if self.secret_seed is None:
            raise KeyError_(f"key {self.id} has no secret key")
        return Ed25519PrivateKey.from_private_bytes(self.secret_seed).sign(data)

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def to_verification_method(self) -> dict[str, Any]:
        """Public Multikey JSON (what goes into a DID document)."""
        method: dict[str, Any] = {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
        }
        if self.revoked:
            method["revoked"] = self.revoked
        if self.expires:
            method["expires"] = self.expires
        return method

    def to_json(self, *, include_secret: bool = True) -> dict[str, Any]:
        data = {"@context": MULTIKEY_CONTEXT, **self.to_verification_method()}
        if include_secret and self.secret_seed is not None:
            data["secretKeyMultibase"] = encode_secret_key(self.secret_seed)
        return data

    @classmethod
    def from_json(cls, data: Any) -> "Multikey":
        if not isinstance(data, dict):
            raise KeyError_("a Multikey must be a JSON object")
        if data.get("type") not in ("Multikey", "Ed25519VerificationKey2020"):
            raise KeyError_(f"unsupported verification method type {data.get('type')!r}")
        for name in ("id", "controller", "publicKeyMultibase"):
            if not isinstance(data.get(name), str):
                raise KeyError_(f"Multikey is missing the string field {name!r}")
        try:
            public = decode_public_key(data["publicKeyMultibase"])
            seed = decode_secret_key(data["secretKeyMultibase"]) if data.get("secretKeyMultibase") else None
        except MultibaseError as exc:
            raise KeyError_(str(exc)) from None
        if seed is not None and _public_from_seed(seed) != public:
            raise KeyError_("secretKeyMultibase does not match publicKeyMultibase")
        revoked = data.get("revoked") if isinstance(data.get("revoked"), str) else None
        expires = data.get("expires") if isinstance(data.get("expires"), str) else None
        return cls(data["id"], data["controller"], public, seed, revoked, expires)

    @classmethod
    def load(cls, path: str | Path) -> "Multikey":
        try:
            return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            if isinstance(exc, KeyError_):
                raise
            raise KeyError_(f"cannot read key file {path}: {exc}") from None


def _public_from_seed(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def did_key_for(public_key: bytes) -> str:
    return "did:key:" + encode_public_key(public_key)


def generate_key(controller: str | None = None, *, key_id: str | None = None) -> Multikey:
    """New Ed25519 key. Without a controller it is its own did:key; with one (e.g. a did:web
    issuer) its id is `controller#<publicKeyMultibase>` unless `key_id` is given."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return key_from_seed(seed, controller=controller, key_id=key_id)


def key_from_seed(seed: bytes, *, controller: str | None = None, key_id: str | None = None) -> Multikey:
    public = _public_from_seed(seed)
    fingerprint = encode_public_key(public)
    controller = controller or did_key_for(public)
    return Multikey(key_id or f"{controller}#{fingerprint}", controller, public, seed)


def resolve_did_key(did: str) -> dict[str, Any]:
    """DID document of a did:key (Ed25519 only), built locally; did:key needs no network."""
    base = did.split("#", 1)[0]
    fingerprint = base.removeprefix("did:key:")
    if not base.startswith("did:key:"):
        raise KeyError_(f"{did!r} is not a did:key")
    try:
        public = decode_public_key(fingerprint)
    except MultibaseError as exc:
        raise KeyError_(f"unsupported did:key {base!r}: {exc}") from None
    method = Multikey(f"{base}#{fingerprint}", base, public).to_verification_method()
    return {
        "@context": ["https://www.w3.org/ns/did/v1", MULTIKEY_CONTEXT],
        "id": base,
        "verificationMethod": [method],
        "authentication": [method["id"]],
        "assertionMethod": [method["id"]],
        "capabilityDelegation": [method["id"]],
        "capabilityInvocation": [method["id"]],
    }
