"""Bitstring status lists per issuer and purpose, rebuilt from the credentials' states and signed."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.urls import reverse

import ortaq.engines.credentials as creds

from .keys import signing_key
from .models import CredentialState, IssuedCredential, IssuerProfile, StatusListRecord

PURPOSES = ("revocation", "suspension")
SIZE = creds.MIN_ENTRIES  # 131,072 entries: at least the spec's herd-privacy minimum


def list_url(issuer: IssuerProfile, purpose: str) -> str:
    return settings.SITE_ROOT + reverse("credential_status_list", args=[issuer.pk, purpose])


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
    """The signed BitstringStatusListCredential, rebuilt only after a change."""
    record, _ = StatusListRecord.objects.get_or_create(issuer=issuer, purpose=purpose)
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
    document = creds.sign(status_list.credential(list_url(issuer, purpose), issuer.did, valid_from=valid_from), signing_key(issuer))
    record.document, record.stale = document, False
    record.save(update_fields=["document", "stale", "updated_at"])
    return document


def resolve_status_list(url: str) -> dict | None:
    """Status resolver for verification: our own lists from the database, anything else unknown."""
    prefix = settings.SITE_ROOT + "/credentials/status/"
    if not url.startswith(prefix):
        return None
    try:
        issuer_id, purpose = url[len(prefix):].strip("/").split("/")
        issuer = IssuerProfile.objects.get(pk=int(issuer_id))
    except (ValueError, IssuerProfile.DoesNotExist):
        return None
    return status_list_document(issuer, purpose) if purpose in PURPOSES else None
