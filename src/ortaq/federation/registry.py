"""The network operator's signed registry file: many nodes trusted at once (docs/federation.md, "Signed registry
file").

Inspired by the Erasmus Without Paper registry (https://registry.erasmuswithoutpaper.eu/: one catalogue, published
by the network's operator, that lists every node's API and keys), but offline and signed: the file is a JSON
document secured with a W3C Data Integrity proof, cryptosuite eddsa-jcs-2022 (VC Data Integrity EdDSA
Cryptosuites v1.0, §3.3: JCS canonicalisation, SHA-256 of proof options and document, Ed25519), made and checked
by the project's credentials engine. The operator's key is a did:key, resolved offline; a node pins it by its
SHA-256 fingerprint at the first import, as it pins a peer's node key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ortaq.audit.services import audit_record
from ortaq.engines.credentials.canon import InputError, parse_json
from ortaq.engines.credentials.did import DidResolver
from ortaq.engines.credentials.keys import Multikey, generate_key
from ortaq.engines.credentials.multibase import MultibaseError
from ortaq.engines.credentials.proofs import JCS, ProofError, add_proof, create_proof, proofs_of, verify_proof

from . import credential_messages, keys
from .models import Peer, RegistryImport, RegistryOperator
from .selectors import current_peer_key
from .services import normalised_fingerprint, normalised_url
from .types import FederationError, JsonObject

if TYPE_CHECKING:
    from ortaq.accounts.types import User

REGISTRY_TYPE = "OrtaqRegistry"
MAX_REGISTRY_BYTES = 5_000_000  # 2,000 nodes with a few keys each fit many times over
KEY_FIELDS = ("id", "publicKeyMultibase", "valid_from", "valid_until")


def _invalid(message: str) -> FederationError:
    return FederationError(message, code="bad_registry")


def _utc(value: object, name: str, *, optional: bool = False) -> dt.datetime | None:
    """An ISO 8601 date-time in UTC (`Z` or `+00:00`); anything else is refused, not guessed."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{name} is not an ISO 8601 date-time")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise _invalid(f"{name} is not an ISO 8601 date-time ({value!r})") from error
    if parsed.utcoffset() != dt.timedelta(0):
        raise _invalid(f"{name} is not in UTC ({value!r})")
    return parsed


# --------------------------------------------------------------------------- the document


@dataclass(frozen=True)
class RegistryNode:
    id: str
    name: str
    country: str
    keys: list[JsonObject]  # as a Peer pins them: {"id", "publicKeyMultibase", "valid_from", "valid_until"}

    @property
    def fingerprint(self) -> str:
        current = current_peer_key(self.keys)
        return keys.fingerprint_of(str(current["publicKeyMultibase"])) if current else ""


@dataclass(frozen=True)
class RegistryDocument:
    operator_name: str
    operator_id: str | None
    serial: int
    issued: dt.datetime
    expires: dt.datetime
    nodes: list[RegistryNode] = field(default_factory=list)


def _checked_keys(node_id: str, entries: object) -> list[JsonObject]:
    if not isinstance(entries, list) or not entries:
        raise _invalid(f"node {node_id} lists no keys")
    checked, seen = [], set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"].startswith(f"{node_id}#"):
            raise _invalid(f"a key of node {node_id} is not the node's own (<node id>#key-N)")
        if entry["id"] in seen:
            raise _invalid(f"key {entry['id']} is listed twice")
        seen.add(entry["id"])
        try:
            keys.public_key_of(str(entry.get("publicKeyMultibase", "")))
        except (MultibaseError, ValueError) as error:
            raise _invalid(f"key {entry['id']} is not an Ed25519 multibase key") from error
        _utc(entry.get("valid_from"), f"valid_from of {entry['id']}")
        _utc(entry.get("valid_until"), f"valid_until of {entry['id']}", optional=True)
        checked.append({name: entry.get(name) for name in KEY_FIELDS})
    if current_peer_key(checked) is None:
        raise _invalid(f"node {node_id} has no key valid now")
    return checked


def registry_checked(document: object) -> RegistryDocument:
    """The registry's content, every entry validated (the proof aside); FederationError `bad_registry` otherwise."""
    if not isinstance(document, dict) or document.get("type") != REGISTRY_TYPE:
        raise _invalid(f"not a registry file (type {REGISTRY_TYPE!r})")
    operator = document.get("operator")
    if not isinstance(operator, dict) or not isinstance(operator.get("name"), str) or not operator["name"].strip():
        raise _invalid("the operator has no name")
    operator_id = operator.get("id")
    if operator_id is not None and (not isinstance(operator_id, str) or not operator_id.startswith("did:key:")):
        raise _invalid("the operator's id is not a did:key")
    serial = document.get("serial")
    if not isinstance(serial, int) or isinstance(serial, bool) or not 1 <= serial < 2**63:
        # 2**63: what a 64-bit integer column holds on every database; a larger serial is refused, not a crash
        raise _invalid("serial is not a positive integer below 2**63")
    issued, expires = _utc(document.get("issued"), "issued"), _utc(document.get("expires"), "expires")
    assert issued is not None and expires is not None  # noqa: S101 - not optional, _utc raised otherwise
    if expires <= issued:
        raise _invalid("the file expires before it is issued")
    entries = document.get("nodes")
    if not isinstance(entries, list):
        raise _invalid("nodes is not a list")
    nodes: list[RegistryNode] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise _invalid("a node has no id")
        node_id = entry["id"]
        try:
            written = normalised_url(node_id)
        except FederationError as error:
            raise _invalid(f"node id {node_id!r} is not an http(s) base URL") from error
        if written != node_id:
            raise _invalid(f"node id {node_id!r} is not written as its base URL {written!r} (no trailing slash or spaces)")
        if any(node.id == node_id for node in nodes):
            raise _invalid(f"node {node_id} is listed twice")
        name, country = entry.get("name"), entry.get("country")
        if not isinstance(name, str) or not name.strip() or len(name) > 300:
            raise _invalid(f"node {node_id} has no name (at most 300 characters)")
        if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
            raise _invalid(f"node {node_id}: country is not an ISO 3166-1 alpha-2 code")
        nodes.append(RegistryNode(node_id, name.strip(), country, _checked_keys(node_id, entry.get("keys"))))
    return RegistryDocument(operator["name"].strip(), operator_id, serial, issued, expires, nodes)


# --------------------------------------------------------------------------- the operator's key and proof


def operator_keygen(path: Path) -> Multikey:
    """A new operator key (its own did:key), written as a Multikey file readable by its owner only."""
    key = generate_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(key.to_json(), file, indent=2)
        file.write("\n")
    return key


def operator_fingerprint(key: Multikey) -> str:
    return hashlib.sha256(key.public_key).hexdigest()


def registry_sign(*, document: object, key: Multikey) -> JsonObject:
    """The document with the operator's eddsa-jcs-2022 proof, after the same checks an import makes."""
    if not isinstance(document, dict):
        raise _invalid("not a registry file")
    if proofs_of(document):
        raise _invalid("the document is already signed")
    checked = registry_checked(document)
    if checked.operator_id not in (None, key.controller):
        raise _invalid(f"the operator's id {checked.operator_id} is not the key's did {key.controller}")
    if checked.expires <= timezone.now():
        raise _invalid("the file would already have expired")
    unsigned = dict(document) | {"operator": dict(document["operator"]) | {"id": key.controller}}
    try:
        return add_proof(unsigned, create_proof(unsigned, key, cryptosuite=JCS, proof_purpose="assertionMethod"))
    except ProofError as error:
        raise _invalid(str(error)) from error


def registry_verified(document: object) -> tuple[RegistryDocument, Multikey]:
    """(content, operator key) of a signed registry file whose single proof is the operator's and verifies."""
    checked = registry_checked(document)
    assert isinstance(document, dict)  # noqa: S101 - registry_checked refused anything else
    proofs = proofs_of(document)
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise FederationError("the file carries no single operator proof", code="bad_proof")
    proof = proofs[0]
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != JCS:
        raise FederationError(f"the proof is not a DataIntegrityProof with cryptosuite {JCS}", code="bad_proof")
    method = proof.get("verificationMethod")
    if checked.operator_id is None or not isinstance(method, str) or method.split("#", 1)[0] != checked.operator_id:
        raise FederationError("the proof is not made with the operator's key (operator.id)", code="bad_proof")
    resolver = DidResolver()  # did:key only: resolved offline, no network
    result = verify_proof(document, proof, resolver)
    if not result.verified:
        raise FederationError(f"the operator's proof does not verify: {result.reason}", code="bad_proof")
    key, _ = resolver.verification_method(method)
    return checked, key


def registry_read(data: bytes) -> JsonObject:
    """The file's JSON, read with the credentials engine's limits (size, depth, no duplicate keys, no NaN)."""
    try:
        document = parse_json(data, max_bytes=MAX_REGISTRY_BYTES)
    except (InputError, ValueError) as error:
        raise _invalid(f"not a JSON registry file: {error}") from error
    if not isinstance(document, dict):
        raise _invalid("not a registry file")
    return document


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    serial: int
    operator: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # "<node id>: why", left untouched

    def as_json(self) -> JsonObject:
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "conflicts": self.conflicts}


def _key_pairs(entries: list[JsonObject]) -> set[tuple[str, str]]:
    return {(str(k.get("id")), str(k.get("publicKeyMultibase"))) for k in entries}


def _pinned_operator(*, checked: RegistryDocument, key: Multikey, fingerprint: str) -> RegistryOperator:
    found = operator_fingerprint(key)
    if normalised_fingerprint(fingerprint) != found:
        raise FederationError(f"operator fingerprint mismatch: the file is signed by a key with fingerprint {found}",
                              code="fingerprint")
    pinned = RegistryOperator.objects.select_for_update().first()
    if pinned is None:
        operator = RegistryOperator.objects.create(did=key.controller, fingerprint=found, name=checked.operator_name[:300],
                                                   pinned_at=timezone.now())
        audit_record(actor=None, action="pin", obj=operator, after={"did": operator.did, "fingerprint": found},
                     summary="registry operator pinned at its first import")
        return operator
    if pinned.did != key.controller:
        raise FederationError(f"the file is signed by {key.controller}, not by the pinned operator {pinned.did}",
                              code="operator")
    if checked.serial <= pinned.last_serial:
        raise FederationError(f"serial {checked.serial} is not higher than the last imported ({pinned.last_serial})",
                              code="serial")
    return pinned


def _trust(*, node: RegistryNode, record: RegistryImport, report: ImportReport) -> None:
    now = timezone.now()
    peer = Peer.objects.select_for_update().filter(node_id=node.id).first()
    if peer is not None and peer.registry_import_id is None:
        # Trusted (or removed) by an operator's hand: the registry never overrides that decision.
        if peer.removed_at is not None:
            report.conflicts.append(f"{node.id}: removed here by hand; not trusted again")
        elif not _key_pairs(peer.keys) & _key_pairs(node.keys):
            report.conflicts.append(f"{node.id}: added here by hand with keys unrelated to the registry's; left as it is")
        else:
            report.unchanged.append(node.id)
        return
    if peer is None:
        peer = Peer(node_id=node.id, added_at=now, manifest={})
        before = None
        bucket = report.added
    else:
        before = {"keys": [k["id"] for k in peer.keys], "fingerprint": peer.fingerprint, "name": peer.name,
                  "country": peer.country, "removed_at": peer.removed_at}
        same = (_key_pairs(peer.keys) == _key_pairs(node.keys) and (peer.name, peer.country) == (node.name, node.country))
        bucket = report.added if peer.removed_at is not None else report.unchanged if same else report.updated
    if bucket is not report.unchanged:
        peer.keys, peer.fingerprint, peer.name, peer.country = node.keys, node.fingerprint, node.name[:300], node.country
        peer.removed_at, peer.added_by = None, None
    peer.registry_import = record
    peer.save()
    bucket.append(node.id)
    if bucket is not report.unchanged:
        audit_record(actor=None, action="trust" if bucket is report.added else "rekey", obj=peer, before=before,
                     after={"fingerprint": peer.fingerprint, "keys": [k["id"] for k in peer.keys],
                            "registry": record.operator.did, "serial": record.serial})
    if bucket is report.added:
        credential_messages.share_all_issuers(peer=peer)  # the current issuers' documents, as `peer add` sends


@transaction.atomic
def registry_import(*, actor: User | None, data: bytes, operator_fingerprint: str) -> ImportReport:
    """Trust every node a signed registry file lists, in one transaction, or refuse the file and store nothing.

    Refused: a proof that does not verify, an operator key with another fingerprint than the one given, a key
    other than the pinned operator's, a serial not higher than the last imported, an expired file, any invalid
    entry. Peers an earlier file of the operator listed and this one does not are removed; peers trusted by hand
    are never changed (a conflict is reported)."""
    document = registry_read(data)
    checked, key = registry_verified(document)
    now = timezone.now()
    if checked.expires <= now:
        raise FederationError(f"the file expired at {document['expires']}", code="expired")
    operator = _pinned_operator(checked=checked, key=key, fingerprint=operator_fingerprint)
    operator.last_serial, operator.name = checked.serial, checked.operator_name[:300]
    operator.save(update_fields=["last_serial", "name"])
    record = RegistryImport.objects.create(operator=operator, serial=checked.serial, issued=checked.issued,
                                           expires=checked.expires, sha256=hashlib.sha256(data).hexdigest(),
                                           document=document, imported_at=now)
    report = ImportReport(serial=checked.serial, operator=operator.name)
    listed = set()
    for node in checked.nodes:
        if node.id == keys.node_id():
            continue  # this node itself: it trusts its own keys already
        listed.add(node.id)
        _trust(node=node, record=record, report=report)
    dropped = Peer.objects.select_for_update().filter(registry_import__operator=operator, removed_at__isnull=True).exclude(node_id__in=listed)
    for peer in dropped:
        # As `peer remove` does, but the peer stays the registry's: a later file that lists it again restores it.
        peer.removed_at = now
        peer.save(update_fields=["removed_at"])
        audit_record(actor=None, action="distrust", obj=peer, after={"removed_at": now, "registry": operator.did,
                                                                      "serial": checked.serial})
        report.removed.append(peer.node_id)
    record.summary = report.as_json()
    record.save(update_fields=["summary"])
    audit_record(actor=actor, action="import", obj=record, after={"operator": operator.did, "serial": checked.serial,
                                                                  "sha256": record.sha256} | report.as_json())
    return report


def trust_source(peer: Peer) -> str:
    """How `peer list` names where a peer's trust came from."""
    if peer.registry_import is None:
        return "hand"
    return f"registry serial {peer.registry_import.serial}"


def load_operator_key(path: str) -> Multikey:
    try:
        key = Multikey.load(path)
    except ValueError as error:
        raise FederationError(str(error), code="bad_key") from error
    if key.secret_seed is None:
        raise FederationError(f"{path} holds no secret key", code="bad_key")
    if not key.controller.startswith("did:key:"):
        raise FederationError("the operator's key must be a did:key", code="bad_key")
    return key

