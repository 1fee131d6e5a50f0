"""A remote node in a test: its own Ed25519 key and manifest, and requests signed with that key, so that the
node under test can trust it, refuse it, and receive from it without a second server."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ortaq.engines import httpsig
from ortaq.engines.credentials.multibase import encode_public_key
from ortaq.federation import keys, transport

INBOX = "/federation/v1/inbox"


@dataclass
class RemoteNode:
    node_id: str = "https://cn.ortaq.example"
    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    institutions: list = field(default_factory=list)

    @property
    def key_id(self) -> str:
        return f"{self.node_id}#key-1"

    @property
    def multibase(self) -> str:
        return encode_public_key(self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def manifest(self) -> dict:
        return {"id": self.node_id, "type": "OrtaqNode", "name": "China node", "country": "CN",
                "keys": [{"id": self.key_id, "type": "Multikey", "publicKeyMultibase": self.multibase,
                          "valid_from": "2026-01-01T00:00:00Z", "valid_until": None}],
                "institutions": self.institutions, "apis": []}

    def message(self, kind: str = "ping", payload: dict | None = None, **changes) -> bytes:
        body = {"id": str(uuid.uuid4()), "kind": kind, "from": self.node_id, "to": keys.node_id(),
                "created": "2026-12-03T12:00:00Z", "payload": payload or {}} | changes
        return json.dumps(body).encode()

    def signed_headers(self, body: bytes, *, url: str | None = None, private: Ed25519PrivateKey | None = None,
                       key_id: str | None = None, nonce: str | None = None, created: int | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        return headers | httpsig.sign_request(method="POST", url=url or keys.node_id() + INBOX, headers=headers, body=body,
                                              key_id=key_id or self.key_id, private_key=private or self.private,
                                              nonce=nonce, created=created)


@pytest.fixture
def remote(monkeypatch) -> RemoteNode:
    node = RemoteNode()
    served = {node.node_id: node}
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: served[url.rstrip("/")].manifest())
    return node


def post_inbox(client, body: bytes, headers: dict):
    return client.post(INBOX, data=body, content_type="application/json",
                       headers={k: v for k, v in headers.items() if k.lower() != "content-type"})


def send_from(client, node: RemoteNode, kind: str, payload: dict, message_id: str | None = None):
    """A message of `kind` from `node` to this node's inbox, signed with the node's key (the given id, or a new one)."""
    body = node.message(kind, payload, **({"id": message_id} if message_id else {}))
    return post_inbox(client, body, node.signed_headers(body))


def pytest_collection_modifyitems(config, items):
    """The live-node tests start `ortaq serve` processes, each on its own SQLite database in its data folder, whatever
    the leg's database: CI runs them once, on the SQLite leg (decision 0010, amended 2026-12-04)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="live nodes use their own SQLite databases: they run on the SQLite leg of CI")
    for item in items:
        if item.get_closest_marker("nodes") is not None:
            item.add_marker(skip)
