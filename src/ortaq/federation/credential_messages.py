"""Issuers across nodes: the `credentials.*` messages, so that a credential issued on one node verifies on every
peer offline (docs/federation.md, "Issuers and status lists").

The issuer's home node sends `credentials.issuer` {did, document} to every active peer whenever an issuer's did:web
document changes, and `credentials.status_list` {url, credential} whenever one of its status lists does, both
exactly as it serves them; a newly trusted peer is sent the current ones of every issuer. The credentials app says
what changed (ortaq.credentials.signals, inside its transaction) and builds and stores the documents; this module
only carries them and checks that the sender speaks for what it sends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortaq.credentials import services as credential_services
from ortaq.errors import DomainError

from .models import Peer
from .selectors import active_peers, declared_did_domain
from .types import JsonObject, RefusalCode, Refused

if TYPE_CHECKING:
    from ortaq.credentials.types import IssuerProfile
    from .models import OutboxMessage

ISSUER = "credentials.issuer"
STATUS_LIST = "credentials.status_list"


# --------------------------------------------------------------------------- outgoing


def _enqueue(peers: list[Peer], messages: list[tuple[str, JsonObject, str]]) -> list[OutboxMessage]:
    from .services import outbox_enqueue  # services imports handlers, which imports this module

    return [outbox_enqueue(peer=peer, kind=kind, payload=payload, reason=reason) for peer in peers for kind, payload, reason in messages]


def _issuer_messages(issuer: IssuerProfile, *, document: bool, status_lists: bool) -> list[tuple[str, JsonObject, str]]:
    messages: list[tuple[str, JsonObject, str]] = []
    if document:
        messages.append((ISSUER, credential_services.issuer_payload(issuer), f"the DID document of {issuer.did} changed"))
    if status_lists:
        messages += [(STATUS_LIST, payload, f"a status list of {issuer.did} changed")
                     for payload in credential_services.status_list_payloads(issuer)]
    return messages


def share_issuer_document(*, issuer: IssuerProfile, **signal: object) -> list[OutboxMessage]:
    """The receiver of `issuer_document_changed`, in the credentials service's transaction: the document, to every
    active peer. Built only when there is a peer to send it to."""
    peers = list(active_peers())
    return _enqueue(peers, _issuer_messages(issuer, document=True, status_lists=False)) if peers else []


def share_status_lists(*, issuer: IssuerProfile, **signal: object) -> list[OutboxMessage]:
    """The receiver of `status_lists_changed`: the issuer's status lists, signed again after the change, to every
    active peer."""
    peers = list(active_peers())
    return _enqueue(peers, _issuer_messages(issuer, document=False, status_lists=True)) if peers else []


def share_all_issuers(*, peer: Peer) -> list[OutboxMessage]:
    """A peer just trusted: the current document and status lists of every issuer hosted here, so that it verifies
    credentials issued before it joined. Queued in the trust act's transaction, before anything later."""
    messages: list[tuple[str, JsonObject, str]] = []
    for issuer in credential_services.issuers_published():
        messages += [(kind, payload, f"{peer.node_id} was trusted: {reason}")
                     for kind, payload, reason in _issuer_messages(issuer, document=True, status_lists=True)]
    return _enqueue([peer], messages)


# --------------------------------------------------------------------------- incoming


def _refusal(error: DomainError) -> Refused:
    if error.code == "home_node":
        return Refused(422, RefusalCode.NOT_HOME, str(error.message)[:500])
    return Refused(400, RefusalCode.INVALID_MESSAGE, str(error.message)[:500])


def credentials_issuer(*, peer: Peer, payload: JsonObject) -> None:
    """The did:web document of an issuer the sender hosts (its host is the sender's): kept, replacing an older one."""
    did, document = payload.get("did"), payload.get("document")
    if not isinstance(did, str) or not isinstance(document, dict) or len(did) > 300:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "credentials.issuer carries did (a did:web) and document (its DID document)")
    try:
        credential_services.remote_issuer_store(did=did, document=document, node=peer.node_id, node_name=peer.name,
                                                did_domain=declared_did_domain(peer))
    except DomainError as error:
        raise _refusal(error) from error


def credentials_status_list(*, peer: Peer, payload: JsonObject) -> None:
    """A status list credential published under the sender's address: kept, replacing an older one."""
    url, credential = payload.get("url"), payload.get("credential")
    if not isinstance(url, str) or not isinstance(credential, dict) or len(url) > 500:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "credentials.status_list carries url and credential (the signed status list)")
    try:
        credential_services.remote_status_list_store(url=url, credential=credential, node=peer.node_id, node_name=peer.name)
    except DomainError as error:
        raise _refusal(error) from error
