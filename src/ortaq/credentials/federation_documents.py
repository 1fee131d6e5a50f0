"""Issuers across the nodes of a federation: what this node publishes about its issuers (each did:web document
and status list exactly as it serves them) and what it keeps of other nodes' issuers, so that a credential issued
anywhere in the network verifies here offline. The transport is the federation's (ortaq.federation listens to
.signals and calls the functions below through services); nothing here knows of peers or messages.

Authority follows the did:web method (§3.2: the domain serves the document): a node speaks only for DIDs on its own
host and for status lists under its own address. A document for an issuer hosted here is never replaced."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import ortaq.engines.credentials as creds
from ortaq.audit.services import audit_record
from ortaq.engines.credentials.canon import MAX_DOCUMENT_BYTES, check_depth
from ortaq.engines.credentials.did import MAX_DID_DOCUMENT_BYTES
from ortaq.errors import DomainError, ErrorCode

from .keys import did_document
from .models import IssuerKey, IssuerProfile, RemoteIssuerDocument, RemoteStatusList
from .status_lists import PURPOSES, status_list_document

STATUS_PATH = "/credentials/status/"

# --------------------------------------------------------------------------- what this node publishes


def issuer_payload(issuer: IssuerProfile) -> dict[str, Any]:
    """{"did", "document"}: the issuer's did:web document exactly as its did.json serves it."""
    return {"did": issuer.did, "document": did_document(issuer)}


def status_list_payloads(issuer: IssuerProfile) -> list[dict[str, Any]]:
    """[{"url", "credential"}]: every status list the issuer's credentials can name (its did:web's and each of its
    did:key identities'), signed now if a change made them stale, exactly as /credentials/status/ serves them."""
    names = list(PURPOSES)
    for record in IssuerKey.objects.filter(issuer=issuer, did_key=True).order_by("pk"):
        names += [f"{purpose}-key-{record.pk}" for purpose in PURPOSES]
    payloads = []
    for name in names:
        try:
            credential = status_list_document(issuer, name)
        except DomainError:  # no key to sign with (every did:web key compromised and none made since)
            continue
        payloads.append({"url": str(credential.get("id", "")), "credential": credential})
    return payloads


def issuers_published() -> list[IssuerProfile]:
    """Every issuer this node hosts, for a peer that has just been trusted."""
    return list(IssuerProfile.objects.select_related("institution").prefetch_related("keys").order_by("pk"))


# --------------------------------------------------------------------------- what other nodes' issuers are


class RemoteRefused(DomainError):
    """A peer's issuer document or status list that this node does not take. `code`: `home_node` (the sender does
    not host it, or the issuer is hosted here), `invalid` (not such a document, or too large)."""


def _host(node: str) -> str:
    return urlsplit(node).netloc.lower()


def _did_host(did: str) -> str:
    return unquote(did.removeprefix("did:web:").split(":", 1)[0]).lower()


def _within_limits(value: object, max_bytes: int) -> None:
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode())
        check_depth(value)
    except (ValueError, TypeError, creds.InputError) as error:
        raise RemoteRefused(_("The document is not plain JSON within the limits."), code=ErrorCode.INVALID) from error
    if size > max_bytes:
        raise RemoteRefused(_("The document is larger than %(n)s bytes.") % {"n": max_bytes}, code=ErrorCode.INVALID)


def _checked_document(did: str, document: dict[str, Any], node: str, did_domain: str = "") -> None:
    _within_limits(document, MAX_DID_DOCUMENT_BYTES)
    # The node's own host, or the did:web domain its manifest declared when it was trusted (ORTAQ_DID_DOMAIN there):
    # the federation passes the latter only when no other peer claims it and it is not this node's.
    hosts = {_host(node), *([did_domain.lower()] if did_domain else [])}
    if not did.startswith("did:web:") or _did_host(did) not in hosts or document.get("id") != did:
        raise RemoteRefused(_("%(node)s does not host %(did)s: a did:web document is served by its own domain.") % {"node": node, "did": did[:300]},
                            code=ErrorCode.HOME_NODE)
    if IssuerProfile.objects.filter(did=did).exists():
        raise RemoteRefused(_("%(did)s is an issuer hosted by this node; no other node replaces its document.") % {"did": did}, code=ErrorCode.HOME_NODE)
    methods = document.get("verificationMethod")
    if not isinstance(methods, list) or not methods:
        raise RemoteRefused(_("The DID document lists no verification method."), code=ErrorCode.INVALID)
    for method in methods:
        try:
            key = creds.Multikey.from_json(method) if isinstance(method, dict) else None
        except ValueError as error:  # the engine's KeyError_ (not a Multikey, not a key)
            raise RemoteRefused(_("A verification method of the DID document is not an Ed25519 Multikey."), code=ErrorCode.INVALID) from error
        if key is None or key.controller != did or not key.id.startswith(did + "#"):
            raise RemoteRefused(_("A verification method of the DID document is not the DID's own."), code=ErrorCode.INVALID)


@transaction.atomic
def remote_issuer_store(*, did: str, document: dict[str, Any], node: str, node_name: str, did_domain: str = "") -> RemoteIssuerDocument:
    """Keep (or replace with a newer one) the did:web document of an issuer that `node` hosts. Refused when the DID
    is not on that node's host (or on `did_domain`, the domain the node declared for its issuers), the document
    describes another DID, is not a DID document of Ed25519 keys or is too large, or the issuer is hosted here.
    Audited, the actor being the node (none)."""
    _checked_document(did, document, node, did_domain)
    existing = RemoteIssuerDocument.objects.select_for_update().filter(did=did).first()
    now = timezone.now()
    if existing is None:
        row = RemoteIssuerDocument.objects.create(did=did, node=node, node_name=node_name[:300], document=document, received_at=now)
        audit_record(actor=None, action="create", obj=row, after={"node": node}, summary=f"issuer document from {node_name or node}"[:300])
        return row
    existing.node, existing.node_name, existing.document, existing.received_at = node, node_name[:300], document, now
    existing.save(update_fields=["node", "node_name", "document", "received_at"])
    audit_record(actor=None, action="update", obj=existing, after={"node": node}, summary=f"issuer document from {node_name or node}"[:300])
    return existing


@transaction.atomic
def remote_status_list_store(*, url: str, credential: dict[str, Any], node: str, node_name: str) -> RemoteStatusList:
    """Keep (or replace with a newer one) a status list credential published under `node`'s address. Its proof is
    not trusted here: the engine verifies it, with the issuer's document, every time a credential names it."""
    _within_limits(credential, MAX_DOCUMENT_BYTES)
    if not url.startswith(node + STATUS_PATH) or credential.get("id") != url:
        raise RemoteRefused(_("%(node)s does not publish the status list %(url)s.") % {"node": node, "url": url[:300]}, code=ErrorCode.HOME_NODE)
    types = credential.get("type")
    if (not isinstance(types, list) or "BitstringStatusListCredential" not in types or not isinstance(credential.get("credentialSubject"), dict)
            or not credential.get("proof")):
        raise RemoteRefused(_("This is not a signed status list credential."), code=ErrorCode.INVALID)
    now = timezone.now()
    row, created = RemoteStatusList.objects.select_for_update().get_or_create(url=url, defaults={"node": node, "credential": credential, "received_at": now})
    if not created:
        row.node, row.credential, row.received_at = node, credential, now
        row.save(update_fields=["node", "credential", "received_at"])
    audit_record(actor=None, action="create" if created else "update", obj=row, after={"node": node},
                 summary=f"status list from {node_name or node}"[:300])
    return row


def remote_issuer(did: str | None) -> RemoteIssuerDocument | None:
    """The stored document of another node's issuer (never one of this node's issuers: they are refused)."""
    if not isinstance(did, str) or not did.startswith("did:web:"):
        return None
    return RemoteIssuerDocument.objects.filter(did=did.split("#", 1)[0]).first()


__all__ = ["issuer_payload", "issuers_published", "remote_issuer", "remote_issuer_store",
           "remote_status_list_store", "status_list_payloads"]
