"""This node's Ed25519 keys: generated once, encrypted at rest, rotated with an overlap."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ortaq.engines.credentials.multibase import decode_public_key, encode_public_key

from .models import NodeKey


def node_id() -> str:
    """The node's id is its public base URL (SITE_ROOT): what peers call and what the manifest names."""
    return str(settings.SITE_ROOT).rstrip("/")


def key_id(key: NodeKey) -> str:
    return f"{node_id()}#{key.name}"


def _fernet() -> Fernet:
    # The same key-encryption key as the issuer keys (ORTAQ_KEY_ENCRYPTION_KEY) so that an operator keeps one;
    # without it, a key derived from SECRET_KEY with its own label, so a single-machine install works.
    configured = os.getenv("ORTAQ_KEY_ENCRYPTION_KEY")
    if configured:
        return Fernet(configured.encode())
    digest = hashlib.sha256(b"ortaq-node-keys:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint_of(public_key_multibase: str) -> str:
    """SHA-256 (hex) of the key's 32 raw bytes: what operators compare out of band before trusting a peer."""
    return hashlib.sha256(decode_public_key(public_key_multibase)).hexdigest()


def public_key_of(public_key_multibase: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(decode_public_key(public_key_multibase))


def _create(name: str, valid_from: dt.datetime) -> NodeKey:
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    return NodeKey.objects.create(
        name=name, public_key_multibase=encode_public_key(raw_public(private)),
        secret_encrypted=_fernet().encrypt(seed), valid_from=valid_from,
    )


def current_key() -> NodeKey:
    """The key that signs now (the newest), made on first use."""
    key = NodeKey.objects.filter(valid_until__isnull=True).order_by("-valid_from", "-id").first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _create("key-1", timezone.now())
    except IntegrityError:  # two processes made the first key at the same moment: the one that won
        return NodeKey.objects.get(name="key-1")


def private_key(key: NodeKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_fernet().decrypt(bytes(key.secret_encrypted)))


def published_keys(now: dt.datetime | None = None) -> list[NodeKey]:
    """The keys the manifest lists: the current one and every rotated key still inside its overlap."""
    now = now or timezone.now()
    current_key()
    return [k for k in NodeKey.objects.all() if k.valid_until is None or k.valid_until > now]


@transaction.atomic
def rotate(*, overlap: dt.timedelta) -> tuple[NodeKey, NodeKey]:
    """(old, new): a new key signs from now on; the old one stays valid for `overlap`, then is no longer listed."""
    old = current_key()
    old = NodeKey.objects.select_for_update().get(pk=old.pk)
    now = timezone.now()
    old.valid_until = now + overlap
    old.save(update_fields=["valid_until"])
    number = NodeKey.objects.count() + 1
    return old, _create(f"key-{number}", now)
