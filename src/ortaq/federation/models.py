"""State of the federation: this node's keys, the peers it trusts, the seen nonces, the outbox and the inbox."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class NodeKey(models.Model):
    """One Ed25519 key of this node. Its id in the manifest is `<node id>#<name>`, so that a node that moves
    (a new SITE_ROOT) keeps its keys. A rotated key stays valid until `valid_until` (the overlap), so that
    peers that still hold it keep verifying this node while they refresh its manifest."""

    name = models.CharField(max_length=40, unique=True)  # key-1, key-2, ...
    public_key_multibase = models.CharField(max_length=100)
    secret_encrypted = models.BinaryField()
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_from", "id"]

    def __str__(self) -> str:
        return self.name


class Peer(models.Model):
    """A node this one trusts, with the keys pinned from its manifest. Removing sets `removed_at`: exchange
    stops at once (no delivery, inbox refuses), and the row stays for the audit trail and re-adding."""

    node_id = models.CharField(max_length=300, unique=True)  # the peer's base URL, as its manifest names it
    name = models.CharField(max_length=300, blank=True)
    country = models.CharField(max_length=2, blank=True)
    keys = models.JSONField(default=list)  # [{"id", "publicKeyMultibase", "valid_from", "valid_until"}]
    fingerprint = models.CharField(max_length=64)  # SHA-256 (hex) of the current key's 32 raw bytes
    manifest = models.JSONField(default=dict)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField()
    refreshed_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Where the trust came from: null = an operator's hand (`peer add`), else the signed registry file whose import
    # last listed the peer. A registry never removes or rekeys a peer trusted by hand (docs/federation.md).
    registry_import = models.ForeignKey("RegistryImport", null=True, blank=True, on_delete=models.PROTECT, related_name="peers")

    class Meta:
        ordering = ["node_id"]

    def __str__(self) -> str:
        return self.node_id


class RegistryOperator(models.Model):
    """The network operator whose signed registry files this node imports, pinned at the first import by the
    fingerprint its operator compared out of band. Later files must be signed by the same key (a did:key)."""

    did = models.CharField(max_length=200, unique=True)  # did:key:z6Mk... of the operator's Ed25519 key
    fingerprint = models.CharField(max_length=64)  # SHA-256 (hex) of the key's 32 raw bytes
    name = models.CharField(max_length=300, blank=True)
    pinned_at = models.DateTimeField()
    last_serial = models.PositiveBigIntegerField(default=0)  # a file is imported only with a higher serial

    def __str__(self) -> str:
        return self.name or self.did


class RegistryImport(models.Model):
    """One registry file imported: its serial, validity, SHA-256 of the exact bytes and what it changed."""

    operator = models.ForeignKey(RegistryOperator, on_delete=models.PROTECT, related_name="imports")
    serial = models.PositiveBigIntegerField()
    issued = models.DateTimeField()
    expires = models.DateTimeField()
    sha256 = models.CharField(max_length=64)
    document = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)  # {"added": [...], "updated": [...], "removed": [...], ...}
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["operator", "serial"], name="federation_registry_serial_once")]

    def __str__(self) -> str:
        return f"{self.operator} serial {self.serial}"


class SeenNonce(models.Model):
    """A signature nonce already accepted from a key; refused again until it expires (replay protection)."""

    key_id = models.CharField(max_length=400)
    nonce = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="federation_nonce_once")]


class OutboxState(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    REJECTED = "rejected"  # the peer refused it for good (malformed, unknown kind): kept, not retried


class OutboxMessage(models.Model):
    """A message to a peer, written in the same transaction as the change it reports; delivered in `id` order
    per peer, retried with exponential backoff, never skipped while it is still pending."""

    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="outbox")
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    reason = models.CharField(max_length=200, blank=True)  # why it crosses (data minimisation record)
    state = models.CharField(max_length=12, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["peer", "state", "id"])]


class InboxMessage(models.Model):
    """A message received from a peer, stored under its id so that a redelivery changes nothing."""

    message_id = models.UUIDField(unique=True)
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="inbox")
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class InstitutionLink(models.Model):
    """A remote institution (hosted by `peer`, id `remote_id` there) and its mirror in the local registry."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="institutions")
    remote_id = models.CharField(max_length=64)
    institution = models.OneToOneField("institutions.Institution", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "remote_id"], name="federation_institution_once")]


class AgreementLink(models.Model):
    """An agreement known on several nodes: its id on its home node and the local copy."""

    home_node = models.CharField(max_length=300)
    home_id = models.CharField(max_length=64)
    agreement = models.OneToOneField("agreements.Agreement", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["home_node", "home_id"], name="federation_agreement_once")]


class PersonalDataSent(models.Model):
    """A record of a person's data sent to another node: which fields, in which message, to whom and why. Written
    in the same transaction as the outbox message that carries them; the person sees it on their profile."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="personal_data")
    kind = models.CharField(max_length=60)  # the message's kind, e.g. nomination.sent
    fields = models.JSONField(default=list)  # the names of the fields about the person the message carries
    reason = models.CharField(max_length=300, blank=True)  # why it crosses, as the outbox records it
    sent_at = models.DateTimeField(auto_now_add=True)  # when it was queued (delivery: the message's delivered_at)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["person", "sent_at"])]
