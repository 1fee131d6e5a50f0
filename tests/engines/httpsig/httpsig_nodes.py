"""Two Ortaq nodes with their own Ed25519 keys, a nonce book and a fixed clock (shared by the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

NOW = 1_800_000_000
KZ_KEY_ID = "https://kz.ortaq.example/.well-known/ortaq-node.json#key-1"
CN_KEY_ID = "https://cn.ortaq.example/.well-known/ortaq-node.json#key-1"
INBOX = "https://cn.ortaq.example/api/v1/federation/inbox"
AGREEMENT = b'{"type": "agreement.proposed", "sha256": "9f86d08", "parties": ["KZ-0001", "CN-0042"]}'


@dataclass
class Nodes:
    kz: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    cn: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def resolve(self, key_id: str) -> Ed25519PublicKey | None:
        keys = {KZ_KEY_ID: self.kz.public_key(), CN_KEY_ID: self.cn.public_key()}
        return keys.get(key_id)


class NonceBook:
    """What the federation app keeps in its database: (keyid, nonce) pairs already accepted."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def __call__(self, key_id: str, nonce: str) -> bool:
        pair = (key_id, nonce)
        if pair in self.seen:
            return True
        self.seen.add(pair)
        return False
