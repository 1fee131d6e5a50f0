"""Issuer identities: did:web documents served by the platform, Ed25519 keys encrypted at rest, rotation."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import ortaq.engines.credentials as creds
from ortaq.accounts.selectors import access_for
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden

from .models import IssuerKey, IssuerProfile


def _fernet() -> Fernet:
    """The key-encryption key comes from ORTAQ_KEY_ENCRYPTION_KEY (a Fernet key). Without it, one is derived
    from SECRET_KEY so that a single-machine install works; production sets its own and keeps it apart."""
    configured = os.getenv("ORTAQ_KEY_ENCRYPTION_KEY")
    if configured:
        return Fernet(configured.encode())
    digest = hashlib.sha256(b"ortaq-issuer-keys:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def did_domain() -> str:
    return os.getenv("ORTAQ_DID_DOMAIN") or urlsplit(settings.SITE_ROOT).netloc


def did_path(institution_id: int) -> list[str]:
    return ["issuers", str(institution_id)]


def may_manage_issuer(actor, institution_id: int) -> bool:
    """Making an institution an issuer, rotating its key or declaring it compromised: a registrar's act (or a
    platform administrator's), like issuing itself."""
    access = access_for(actor)
    return access.is_admin or access.has_role(institution_id, "registrar")


def _store(issuer: IssuerProfile, key: creds.Multikey) -> IssuerKey:
    return IssuerKey.objects.create(
        issuer=issuer, key_id=key.id, public_key_multibase=key.public_key_multibase,
        secret_encrypted=_fernet().encrypt(key.secret_seed),
    )


@transaction.atomic
def issuer_ensure(*, actor, institution) -> IssuerProfile:
    """The institution's issuer profile, created with a first key when it issues for the first time."""
    existing = IssuerProfile.objects.filter(institution=institution).first()
    if existing:
        return existing
    if actor is not None and not may_manage_issuer(actor, institution.pk):
        raise Forbidden(_("Only a registrar of the institution can make it an issuer."))
    did = creds.did_web(did_domain(), did_path(institution.pk))
    try:
        with transaction.atomic():
            issuer = IssuerProfile.objects.create(institution=institution, did=did)
            _store(issuer, creds.generate_key(did, key_id=f"{did}#key-1"))
    except IntegrityError:
        # Two workers made the same institution an issuer at the same moment: use the one that won.
        return IssuerProfile.objects.get(institution=institution)
    audit_record(actor=actor, action="create", obj=issuer, after={"did": did})
    return issuer


def signing_key(issuer: IssuerProfile) -> creds.Multikey:
    record = issuer.keys.filter(retired_at__isnull=True, compromised=False).order_by("-created_at").first()
    if record is None:
        raise DomainError(_("This issuer has no active key. Rotate its key first."), code="no_key")
    seed = _fernet().decrypt(bytes(record.secret_encrypted))
    return creds.key_from_seed(seed, controller=issuer.did, key_id=record.key_id)


def did_document(issuer: IssuerProfile) -> dict:
    methods = []
    for record in issuer.keys.all():
        public = creds.Multikey.from_json({"type": "Multikey", "id": record.key_id, "controller": issuer.did,
                                           "publicKeyMultibase": record.public_key_multibase})
        stamp = record.retired_at.isoformat().replace("+00:00", "Z") if record.retired_at else None
        if record.compromised:
            public.revoked = stamp or timezone.now().isoformat().replace("+00:00", "Z")
        elif stamp:
            public.expires = stamp
        methods.append(public)
    return creds.did_web_document(did_domain(), did_path(issuer.institution_id), methods)


@transaction.atomic
def key_rotate(*, actor, issuer: IssuerProfile, compromised: bool = False) -> IssuerKey:
    """A new key signs from now on. The old one is marked (expired, or revoked if compromised), never deleted."""
    if not may_manage_issuer(actor, issuer.institution_id):
        raise Forbidden(_("Only a registrar of the institution can rotate its signing key."))
    issuer = IssuerProfile.objects.select_for_update().get(pk=issuer.pk)  # two rotations at once: one after the other
    # Proof times have whole seconds: retire at the next whole second so that a proof made in this second
    # (before the rotation) still counts as made before the key expired.
    now = (timezone.now() + dt.timedelta(seconds=1)).replace(microsecond=0)
    for record in issuer.keys.filter(retired_at__isnull=True):
        record.retired_at = now
        record.compromised = compromised
        record.save(update_fields=["retired_at", "compromised"])
    number = issuer.keys.count() + 1
    new = _store(issuer, creds.generate_key(issuer.did, key_id=f"{issuer.did}#key-{number}"))
    audit_record(actor=actor, action="update", obj=issuer, after={"new_key": new.key_id, "compromised": compromised})
    return new


def resolver() -> creds.DidResolver:
    """Offline resolution of every issuer this platform hosts (did:key is always computed locally)."""
    return creds.DidResolver([did_document(issuer) for issuer in IssuerProfile.objects.select_related("institution").prefetch_related("keys")])
