"""Bitstring status lists per issuer and purpose, rebuilt from the credentials' states and signed."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.urls import reverse

import ortaq.engines.credentials as creds

from .keys import key_of_record, signing_key
from .models import CredentialState, IssuedCredential, IssuerKey, IssuerProfile, RemoteStatusList, StatusListRecord

PURPOSES = ("revocation", "suspension")
SIZE = creds.MIN_ENTRIES  # 131,072 entries: at least the spec's herd-privacy minimum


def list_url(issuer: IssuerProfile, purpose: str, did_key: IssuerKey | None = None) -> str:
    """The list a credential's entry names. A credential issued as a did:key names a list that did:key signs:
    verifiers require the list's issuer to be the credential's (Bitstring Status List v1.0 §3.2), so it is the
    institution's list, with the same indexes, published under the did:key's name ("<purpose>-key-<pk>")."""
    name = f"{purpose}-key-{did_key.pk}" if did_key is not None else purpose
    return settings.SITE_ROOT + reverse("credential_status_list", args=[issuer.pk, name])


def list_signer(issuer: IssuerProfile, name: str) -> tuple[str, IssuerKey | None] | None:
    """(purpose, did:key record or None) for a list name of `list_url`, None for a name that is not one."""
    purpose, _sep, rest = name.partition("-key-")
    if purpose not in PURPOSES:
        return None
    if not _sep:
        return purpose, None
    record = issuer.keys.filter(did_key=True, pk=int(rest)).first() if rest.isdigit() and len(rest) < 12 else None
    return (purpose, record) if record is not None else None


def allocate_indexes(issuer: IssuerProfile) -> tuple[int, int]:
    """Random free indexes in both lists (random, so that the position says nothing about the holder)."""
    used_r = set(IssuedCredential.objects.filter(issuer=issuer).values_list("revocation_index", flat=True))
    used_s = set(IssuedCredential.objects.filter(issuer=issuer).values_list("suspension_index", flat=True))
    if len(used_r) >= SIZE:
        raise creds.StatusListError("status list is full")
    pick = lambda used: next(i for i in iter(lambda: secrets.randbelow(SIZE), None) if i not in used)  # noqa: E731
    return pick(used_r), pick(used_s)


def mark_stale(issuer: IssuerProfile) -> None:
    StatusListRecord.objects.filter(issuer=issuer).update(stale=True)


def status_list_document(issuer: IssuerProfile, purpose: str) -> dict:
    """The signed BitstringStatusListCredential, rebuilt only after a change. `purpose` is a list name of
    `list_url` (checked by list_signer: the callers pass only names it accepts)."""
    name = purpose
    purpose, did_key = list_signer(issuer, name) or (name, None)
    record, _ = StatusListRecord.objects.get_or_create(issuer=issuer, purpose=name)
    if record.document and not record.stale:
        return record.document
    status_list = creds.StatusList(purpose, SIZE)
    flagged = CredentialState.REVOKED if purpose == "revocation" else CredentialState.SUSPENDED
    field = "revocation_index" if purpose == "revocation" else "suspension_index"
    for index in IssuedCredential.objects.filter(issuer=issuer, state=flagged).values_list(field, flat=True):
        status_list.set(index)
    # Valid from a minute ago: a verifier that fixed "now" just before asking for the list (or whose clock is a
    # little behind ours) must not find a freshly rebuilt list "not yet valid" and report the status unknown.
    valid_from = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    key = key_of_record(did_key) if did_key is not None else signing_key(issuer)
    document = creds.sign(status_list.credential(list_url(issuer, purpose, did_key), key.controller, valid_from=valid_from), key)
    record.document, record.stale = document, False
    record.save(update_fields=["document", "stale", "updated_at"])
    return document


def resolve_status_list(url: str) -> dict | None:
    """Status resolver for verification: our own lists from the database, the lists other nodes' issuers publish as
    their home nodes last sent them (RemoteStatusList; their proofs are verified by the engine like ours), anything
    else unknown. Never a network call."""
    prefix = settings.SITE_ROOT + "/credentials/status/"
    if not url.startswith(prefix):
        return RemoteStatusList.objects.filter(url=url).values_list("credential", flat=True).first()
    try:
        issuer_id, purpose = url[len(prefix):].strip("/").split("/")
        issuer = IssuerProfile.objects.get(pk=int(issuer_id))
    except (ValueError, IssuerProfile.DoesNotExist):
        return None
    return status_list_document(issuer, purpose) if list_signer(issuer, purpose) is not None else None
