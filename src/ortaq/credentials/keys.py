"""Issuer identities: did:web documents served by the platform, Ed25519 keys encrypted at rest, rotation."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from urllib.parse import unquote, urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import ortaq.engines.credentials as creds
from ortaq.accounts.selectors import access_for
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden

from .models import IssuerKey, IssuerProfile, RemoteIssuerDocument, StatusListRecord
from .signals import issuer_document_changed, status_lists_changed


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


def _store(issuer: IssuerProfile, key: creds.Multikey, *, did_key: bool = False) -> IssuerKey:
    if key.secret_seed is None:  # only a freshly generated key is stored, never a public one read back
        raise ValueError(f"{key.id} has no secret to store")
    return IssuerKey.objects.create(
        issuer=issuer, key_id=key.id, public_key_multibase=key.public_key_multibase,
        secret_encrypted=_fernet().encrypt(key.secret_seed), did_key=did_key,
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
    issuer_document_changed.send(sender=IssuerProfile, issuer=issuer)
    status_lists_changed.send(sender=IssuerProfile, issuer=issuer)
    return issuer


def signing_key(issuer: IssuerProfile) -> creds.Multikey:
    record = issuer.keys.filter(retired_at__isnull=True, compromised=False, did_key=False).order_by("-created_at").first()
    if record is None:
        raise DomainError(_("This issuer has no active key. Rotate its key first."), code="no_key")
    seed = _fernet().decrypt(bytes(record.secret_encrypted))
    return creds.key_from_seed(seed, controller=issuer.did, key_id=record.key_id)


def did_document(issuer: IssuerProfile) -> dict:
    methods = []
    for record in issuer.keys.all():
        if record.did_key:  # its own DID, not a method of the did:web
            continue
        public = creds.Multikey.from_json({"type": "Multikey", "id": record.key_id, "controller": issuer.did,
                                           "publicKeyMultibase": record.public_key_multibase})
        stamp = record.retired_at.isoformat().replace("+00:00", "Z") if record.retired_at else None
        if record.compromised:
            public.revoked = stamp or timezone.now().isoformat().replace("+00:00", "Z")
        elif stamp:
            public.expires = stamp
        methods.append(public)
    # The document describes the DID as it was made (it is the issuer's identity and what every credential it
    # signed names), not one derived from today's address: a platform restarted on another port or host must
    # still serve it, rather than fail because the keys' controller no longer matches.
    host, *path = issuer.did.removeprefix("did:web:").split(":")
    return creds.did_web_document(unquote(host), [unquote(p) for p in path], methods)


@transaction.atomic
def key_rotate(*, actor, issuer: IssuerProfile, compromised: bool = False) -> IssuerKey:
    """A new key signs from now on. The old one is marked (expired, or revoked if compromised), never deleted."""
    if not may_manage_issuer(actor, issuer.institution_id):
        raise Forbidden(_("Only a registrar of the institution can rotate its signing key."))
    issuer = IssuerProfile.objects.select_for_update().get(pk=issuer.pk)  # two rotations at once: one after the other
    # Proof times have whole seconds: retire at the next whole second so that a proof made in this second
    # (before the rotation) still counts as made before the key expired.
    now = (timezone.now() + dt.timedelta(seconds=1)).replace(microsecond=0)
    for record in issuer.keys.filter(retired_at__isnull=True, did_key=False):
        record.retired_at = now
        record.compromised = compromised
        record.save(update_fields=["retired_at", "compromised"])
    number = issuer.keys.filter(did_key=False).count() + 1
    new = _store(issuer, creds.generate_key(issuer.did, key_id=f"{issuer.did}#key-{number}"))
    audit_record(actor=actor, action="update", obj=issuer, after={"new_key": new.key_id, "compromised": compromised})
    issuer_document_changed.send(sender=IssuerProfile, issuer=issuer)
    if compromised:
        # Nothing the compromised key signed verifies any more, its status lists included: they are signed again
        # with the new key (here at the next request, on other nodes when the new lists arrive).
        StatusListRecord.objects.filter(issuer=issuer).update(stale=True)
        status_lists_changed.send(sender=IssuerProfile, issuer=issuer)
    return new


class _NetworkResolver(creds.DidResolver):
    """The issuers hosted here, then, for a did:web that is not one of them, the document its home node sent
    through the federation (read from the database when a proof names it, never fetched from the network)."""

    def resolve(self, did: str) -> dict:
        try:
            return super().resolve(did)
        except creds.DidResolutionError:
            found = RemoteIssuerDocument.objects.filter(did=did.split("#", 1)[0]).values_list("document", flat=True).first()
            if not isinstance(found, dict) or not did.startswith("did:web:"):
                raise
            self.add(found)
            return found


def resolver() -> creds.DidResolver:
    """Offline resolution of every issuer this platform hosts (did:key is always computed locally) and of other
    nodes' issuers whose documents their home nodes sent (credentials.federation_documents). A local issuer's
    document always wins: it is listed first, and a peer's document for it is refused at receipt."""
    return _NetworkResolver([did_document(issuer) for issuer in IssuerProfile.objects.select_related("institution").prefetch_related("keys")])


@transaction.atomic
def did_key_create(*, actor, institution) -> IssuerKey:
    """Give the institution a did:key issuer identity besides its did:web (a registrar's or an administrator's
    act, audited). The new did:key signs what is issued as did:key from now on; an earlier one is retired, and
    still verifies and signs the status lists of what it issued (a did:key is the key: it cannot expire)."""
    if not may_manage_issuer(actor, institution.pk):
        raise Forbidden(_("Only a registrar of the institution can give it a did:key issuer."))
    issuer = IssuerProfile.objects.select_for_update().get(pk=issuer_ensure(actor=actor, institution=institution).pk)
    now = timezone.now().replace(microsecond=0)
    retired = list(issuer.keys.filter(did_key=True, retired_at__isnull=True).values_list("key_id", flat=True))
    issuer.keys.filter(did_key=True, retired_at__isnull=True).update(retired_at=now)
    record = _store(issuer, creds.generate_key(), did_key=True)
    audit_record(actor=actor, action="update", obj=issuer, after={"new_did_key": record.did, "retired": retired})
    status_lists_changed.send(sender=IssuerProfile, issuer=issuer)  # the new did:key signs lists of its own
    return record


def did_key_of(issuer: IssuerProfile, did: str) -> IssuerKey | None:
    """The institution's did:key record for `did` (active or retired), if it has one."""
    return issuer.keys.filter(did_key=True, key_id__startswith=did + "#").first() if did.startswith("did:key:") else None


def did_key_active(issuer: IssuerProfile) -> IssuerKey | None:
    return issuer.keys.filter(did_key=True, retired_at__isnull=True, compromised=False).order_by("-created_at").first()


def did_key_owner(did: str) -> IssuerProfile | None:
    """The registered institution whose did:key `did` is (for the verify page's "issued by")."""
    if not did.startswith("did:key:"):
        return None
    record = IssuerKey.objects.select_related("issuer__institution").filter(did_key=True, key_id__startswith=did + "#").first()
    return record.issuer if record is not None else None


def key_of_record(record: IssuerKey) -> creds.Multikey:
    """The decrypted key of a did:key record (it controls itself)."""
    seed = _fernet().decrypt(bytes(record.secret_encrypted))
    return creds.key_from_seed(seed, key_id=record.key_id)
