"""Writes of the federation: this node's key, trust in peers, the outbox and the inbox. Every change is audited
(the actor is None when an operator acts from the command line or a peer's message causes it)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ortaq.audit.services import audit_record
from ortaq.engines.credentials.multibase import MultibaseError

from ortaq.agreements.types import AgreementChange

from . import agreement_messages, credential_messages, handlers, keys, logbook_messages, mobility_agreement_messages, nomination_messages, transport
from .models import InboxMessage, NodeKey, OutboxMessage, OutboxState, PersonalDataSent, Peer, SeenNonce
from .selectors import current_peer_key, peer_by_node, pending_outbox
from .tasks import deliver_to_peer, delivery_queued, on_commit_once
from .types import PERMANENT_REFUSALS, FederationError, JsonObject, RefusalCode, Refused

if TYPE_CHECKING:
    from ortaq.accounts.types import User
    from ortaq.agreements.types import Agreement, AgreementApproval

BACKOFF_FIRST_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600  # a peer down for a day is retried every hour, and at once by `ortaq federation sync`
NONCE_LIFETIME = dt.timedelta(minutes=10)  # longer than the signature's max age (300 s) plus skew


# --------------------------------------------------------------------------- this node's key


def node_key_rotate(*, overlap: dt.timedelta) -> NodeKey:
    """A new key signs from now on; the previous one stays in the manifest and valid for `overlap`."""
    old, new = keys.rotate(overlap=overlap)
    audit_record(actor=None, action="rotate", obj=new, after={"previous": old.name, "previous_valid_until": old.valid_until,
                                                             "key": new.name}, summary="node key rotated")
    return new


# --------------------------------------------------------------------------- trust


def normalised_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise FederationError(f"{url!r} is not an http(s) base URL", code="bad_url")
    return url


def normalised_fingerprint(value: str) -> str:
    """Operators copy fingerprints as hex, with colons or a SHA256: label; all mean the same 64 hex digits."""
    return re.sub(r"[^0-9a-f]", "", value.lower().removeprefix("sha256:"))


def _pinned_keys(manifest: JsonObject) -> list[JsonObject]:
    entries = manifest.get("keys")
    if not isinstance(entries, list) or not entries:
        raise FederationError("the manifest lists no keys", code="bad_manifest")
    pinned = []
    for entry in entries:
        if not isinstance(entry, dict) or not str(entry.get("id", "")).startswith(f"{manifest.get('id')}#"):
            raise FederationError("a key of the manifest is not the node's own", code="bad_manifest")
        try:
            keys.public_key_of(str(entry.get("publicKeyMultibase", "")))
        except (MultibaseError, ValueError) as error:
            raise FederationError(f"key {entry.get('id')} is not an Ed25519 multibase key", code="bad_manifest") from error
        pinned.append({name: entry.get(name) for name in ("id", "publicKeyMultibase", "valid_from", "valid_until")})
    return pinned


def _checked_manifest(url: str) -> tuple[JsonObject, list[JsonObject], str]:
    """(manifest, keys to pin, fingerprint of the current key) of the node at url, or FederationError."""
    manifest = transport.fetch_manifest(url)
    if str(manifest.get("id", "")).rstrip("/") != url:
        raise FederationError(f"the manifest at {url} names another node ({manifest.get('id')!r})", code="wrong_node")
    if url == keys.node_id():
        raise FederationError("this is the node itself", code="self")
    pinned = _pinned_keys(manifest)
    current = current_peer_key(pinned)
    if current is None:
        raise FederationError("the manifest has no key valid now", code="bad_manifest")
    return manifest, pinned, keys.fingerprint_of(str(current["publicKeyMultibase"]))


@transaction.atomic
def peer_add(*, actor: User | None, url: str, fingerprint: str | None = None) -> Peer:
    """Trust the node at url: its manifest is fetched, its keys pinned. With a fingerprint (compared out of band
    with the peer's operator), a manifest whose current key has another one is refused and nothing changes."""
    url = normalised_url(url)
    manifest, pinned, found = _checked_manifest(url)
    if fingerprint is not None and normalised_fingerprint(fingerprint) != found:
        raise FederationError(f"fingerprint mismatch: the node at {url} presents {found}", code="fingerprint")
    now = timezone.now()
    peer, created = Peer.objects.get_or_create(node_id=url, defaults={"added_at": now, "fingerprint": found})
    before = None if created else {"fingerprint": peer.fingerprint, "removed_at": peer.removed_at}
    peer.name, peer.country = str(manifest.get("name") or "")[:300], str(manifest.get("country") or "")[:2]
    peer.keys, peer.fingerprint, peer.manifest = pinned, found, manifest
    peer.added_by, peer.added_at, peer.refreshed_at, peer.removed_at = actor, now, now, None
    peer.registry_import = None  # trusted by hand from now on: a registry file no longer changes or removes it
    peer.save()
    skipped = handlers.mirror_institutions(peer=peer, manifest=manifest)
    audit_record(actor=actor, action="trust", obj=peer, before=before, after={
        "fingerprint": found, "keys": [k["id"] for k in pinned], "pinned": fingerprint is not None, "institutions_skipped": skipped})
    credential_messages.share_all_issuers(peer=peer)  # so that it verifies what was issued here before it joined
    return peer


@transaction.atomic
def peer_refresh(*, peer: Peer) -> Peer:
    """Read the peer's manifest again: new institutions and rotated keys. A new key set is accepted only if it
    still lists a key pinned now, unchanged (the rotation overlap); otherwise trust must be given again."""
    manifest, pinned, found = _checked_manifest(peer.node_id)
    held = {(k["id"], k["publicKeyMultibase"]) for k in peer.keys}
    offered = {(k["id"], k["publicKeyMultibase"]) for k in pinned}
    if not held & offered:
        raise FederationError(f"{peer.node_id} presents keys unrelated to the pinned ones; add it again with its new fingerprint",
                              code="key_continuity")
    if offered != held:
        audit_record(actor=None, action="rekey", obj=peer, before={"keys": sorted(k for k, _ in held)},
                     after={"keys": sorted(k for k, _ in offered), "fingerprint": found})
    peer.keys, peer.fingerprint, peer.manifest, peer.refreshed_at = pinned, found, manifest, timezone.now()
    peer.name, peer.country = str(manifest.get("name") or peer.name)[:300], str(manifest.get("country") or peer.country)[:2]
    peer.save()
    handlers.mirror_institutions(peer=peer, manifest=manifest)
    return peer


@transaction.atomic
def peer_remove(*, actor: User | None, peer: Peer) -> Peer:
    """Stop all exchange with the peer: its requests are refused and nothing more is sent to it. A decision by
    hand: a registry file that lists the node again does not restore it."""
    if peer.removed_at is None or peer.registry_import_id is not None:
        peer.removed_at = peer.removed_at or timezone.now()
        peer.registry_import = None
        peer.save(update_fields=["removed_at", "registry_import"])
        audit_record(actor=actor, action="distrust", obj=peer, after={"removed_at": peer.removed_at})
    return peer


# --------------------------------------------------------------------------- replay protection


def nonce_seen(key_id: str, nonce: str) -> bool:
    """True if this key already used this nonce (a replay); otherwise records it. Expired records go first."""
    now = timezone.now()
    SeenNonce.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(key_id=key_id[:400], nonce=nonce[:200], expires_at=now + NONCE_LIFETIME)
    except IntegrityError:
        return True
    return False


# --------------------------------------------------------------------------- outbox


def outbox_enqueue(*, peer: Peer, kind: str, payload: JsonObject, reason: str = "") -> OutboxMessage:
    """A message to the peer, written in the caller's transaction (so it exists exactly when the change does)
    and handed to the worker once that transaction commits: one delivery per peer and transaction, and none when
    one waits in the queue already (it drains the whole outbox when it starts; tasks.py)."""
    message = OutboxMessage.objects.create(peer=peer, kind=kind, payload=payload, reason=reason[:200])
    audit_record(actor=None, action="send", obj=message, after={"peer": peer.node_id, "kind": kind, "reason": reason})
    on_commit_once(("deliver_to_peer", peer.pk), lambda: delivery_queued(peer.pk) or deliver_to_peer.enqueue(peer.pk))
    return message


@transaction.atomic
def federation_ping(*, peer: Peer) -> OutboxMessage:
    """A connectivity check an operator queues: it travels like every message (signed, ordered, retried)."""
    return outbox_enqueue(peer=peer, kind="ping", payload={"sent_at": timezone.now().isoformat()}, reason="operator's connectivity check")


def share_agreement(*, agreement: Agreement, change: str, approval: AgreementApproval | None = None, **signal: object) -> list[OutboxMessage]:
    """The receiver of `ortaq.agreements.services.agreement_shared`, in the agreement service's transaction: an
    agreement made here goes to every other node hosting a party (each version proposed, then the approvals and
    state recorded here); a local party's approval of another node's agreement goes to that home node."""
    if agreement.home_node:
        if change != AgreementChange.APPROVED or approval is None or approval.institution.node:
            return []
        peer = peer_by_node(agreement.home_node)
        payload = agreement_messages.approved_payload(agreement, institution=approval.institution, version=approval.version, sha256=approval.sha256)
        if peer is None or payload is None:
            return []
        return [outbox_enqueue(peer=peer, kind="agreement.approved", payload=payload,
                               reason=f"{approval.institution.name_latin or approval.institution.name_original} approved agreement {payload['agreement']}")]
    messages = []
    for node in agreement_messages.party_nodes(agreement):
        peer = peer_by_node(node)
        if peer is None:  # a mirror whose peer row is gone cannot be: the row stays when trust is removed
            continue
        if change == AgreementChange.PROPOSED:
            kind, payload = "agreement.proposed", agreement_messages.proposed_payload(agreement)
        else:
            kind, payload = "agreement.state", agreement_messages.state_payload(agreement)
        messages.append(outbox_enqueue(peer=peer, kind=kind, payload=payload,
                                       reason=f"a party of agreement {agreement.pk} is hosted by {node}"))
    return messages


def share_nominations(*, change: str, nominations: list, reason: str = "", **signal: object) -> list[OutboxMessage]:
    """The receiver of `ortaq.mobility.services.nomination_shared`, in the mobility service's transaction: each
    nomination made here to a host on another node goes to that node (`nomination.sent`, recorded as personal data
    sent about the learner), each that no longer stands is withdrawn there (`nomination.withdrawn`), and a decision
    taken here on another node's nomination goes to its home (`nomination.decided`)."""
    if change == "decided":
        messages = []
        for row in nominations:
            peer = peer_by_node(row.home_node)
            if peer is not None:
                messages.append(outbox_enqueue(peer=peer, kind="nomination.decided", payload=nomination_messages.decided_payload(row),
                                               reason=f"the host decided on nomination {row.home_id} of {row.home_node}"))
        return messages
    peers: dict[str, Peer | None] = {}
    refs: dict[int, JsonObject] = {}
    messages, records = [], []
    for nomination in nominations:
        node = nomination.host.node
        if not node:
            continue
        if node not in peers:
            peers[node] = peer_by_node(node)
        peer = peers[node]
        if peer is None:  # a mirror whose peer row is gone cannot be: the row stays when trust is removed
            continue
        if change == "sent":
            message = outbox_enqueue(peer=peer, kind="nomination.sent", payload=nomination_messages.sent_payload(nomination, refs),
                                     reason=nomination_messages.sent_reason(nomination))
            records.append(PersonalDataSent(person=nomination.application.applicant, peer=peer, message=message, kind=message.kind,
                                            fields=list(nomination_messages.PERSONAL_FIELDS), reason=message.reason))
        else:
            message = outbox_enqueue(peer=peer, kind="nomination.withdrawn", payload=nomination_messages.withdrawn_payload(nomination, reason),
                                     reason=f"nomination {nomination.pk} no longer stands ({reason})")
        messages.append(message)
    PersonalDataSent.objects.bulk_create(records)
    return messages


def share_mobility_agreement(*, change: str, agreement: object = None, remote: object = None, signer: User | None = None, role: str = "",
                             **signal: object) -> list[OutboxMessage]:
    """The receiver of `ortaq.mobility.services.mobility_agreement_shared`, in the mobility service's transaction: each
    version to sign of an agreement made here goes to the node hosting its receiving party (`mobility_agreement.proposed`,
    recorded as personal data sent about the learner), each signature recorded here sends the state there
    (`mobility_agreement.state`), and the host's signature given here goes to the agreement's home
    (`mobility_agreement.signed`, recorded as personal data sent about the signer)."""
    messages = mobility_agreement_messages
    if change == "signed":
        row: Any = remote
        peer = peer_by_node(row.nomination.home_node)
        if peer is None or signer is None:
            return []
        message = outbox_enqueue(peer=peer, kind=messages.SIGNED, payload=messages.signed_payload(row, signer=signer, role=role),
                                 reason=f"the host signed agreement {row.home_id} version {row.version} of {row.nomination.home_node} as receiving party")
        PersonalDataSent.objects.create(person=signer, peer=peer, message=message, kind=message.kind, fields=list(messages.SIGNER_FIELDS),
                                        reason=message.reason)
        return [message]
    home: Any = agreement
    peer = peer_by_node(home.nomination.host.node)
    if peer is None:  # a mirror whose peer row is gone cannot be: the row stays when trust is removed
        return []
    if change == "proposed":
        message = outbox_enqueue(peer=peer, kind=messages.PROPOSED, payload=messages.proposed_payload(home), reason=messages.proposed_reason(home))
        PersonalDataSent.objects.create(person=home.nomination.application.applicant, peer=peer, message=message, kind=message.kind,
                                        fields=list(messages.CONTENT_FIELDS), reason=message.reason)
        return [message]
    return [outbox_enqueue(peer=peer, kind=messages.STATE, payload=messages.state_payload(home),
                           reason=f"a signature of agreement {home.pk} was recorded; its receiving party is hosted by {peer.node_id}")]


def share_logbook(*, change: str, entry: object = None, remote: object = None, verifier: User | None = None, role: str = "",
                  verifier_name: str = "", **signal: object) -> list[OutboxMessage]:
    """The receiver of `ortaq.mobility.services.logbook_shared`, in the mobility service's transaction: each week
    submitted here of an agreement whose host is on another node goes to that node (`logbook.submitted`, recorded as
    personal data sent about the learner; evidence files stay here), and the host's decision taken here goes to the
    agreement's home (`logbook.verified`, recorded as personal data sent about the verifier; through the supervisor
    link there is no User, only `verifier_name` as typed, and the message's reason says that it was sent)."""
    messages = logbook_messages
    if change == "verified":
        row: Any = remote
        peer = peer_by_node(row.agreement.nomination.home_node)
        if peer is None or (verifier is None and not verifier_name):
            return []
        message = outbox_enqueue(peer=peer, kind=messages.VERIFIED, reason=messages.verified_reason(row, via_link=verifier is None),
                                 payload=messages.verified_payload(row, verifier=verifier, role=role, verifier_name=verifier_name))
        if verifier is not None:
            PersonalDataSent.objects.create(person=verifier, peer=peer, message=message, kind=message.kind, fields=list(messages.VERIFIER_FIELDS),
                                            reason=message.reason)
        return [message]
    home: Any = entry
    peer = peer_by_node(home.agreement.nomination.host.node)
    if peer is None:  # a mirror whose peer row is gone cannot be: the row stays when trust is removed
        return []
    message = outbox_enqueue(peer=peer, kind=messages.SUBMITTED, payload=messages.submitted_payload(home), reason=messages.submitted_reason(home))
    PersonalDataSent.objects.create(person=home.agreement.nomination.application.applicant, peer=peer, message=message, kind=message.kind,
                                    fields=list(messages.ENTRY_FIELDS), reason=message.reason)
    return [message]


def envelope(message: OutboxMessage) -> bytes:
    return json.dumps({
        "id": str(message.message_id), "kind": message.kind, "from": keys.node_id(), "to": message.peer.node_id,
        "created": message.created_at.isoformat().replace("+00:00", "Z"), "payload": message.payload,
    }, ensure_ascii=False, sort_keys=True).encode()


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int = 0
    rejected: int = 0
    waiting: int = 0  # still pending after this run (the peer is down, or refuses for now)
    retry_at: dt.datetime | None = None


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def _attempt(message: OutboxMessage) -> tuple[str, str]:
    """("delivered" | "rejected" | "retry", error text) for one attempt to send the message."""
    try:
        answer = transport.post_signed(f"{message.peer.node_id}/federation/v1/inbox", envelope(message))
    except FederationError as error:
        return "retry", str(error)
    if not answer.verified:
        return "retry", f"HTTP {answer.status}: the answer is not signed by the peer's pinned key"
    if 200 <= answer.status < 300:
        return "delivered", ""
    code = str(answer.json().get("code", ""))
    return ("rejected" if code in PERMANENT_REFUSALS else "retry"), f"HTTP {answer.status} {code}: {answer.json().get('detail', '')}"


def outbox_deliver(*, peer: Peer, force: bool = False) -> DeliveryReport:
    """Send the peer's pending messages in order, stopping at the first that fails (so order holds): it is
    retried after an exponential backoff, or at once with `force` (an operator's `sync`)."""
    delivered = rejected = 0
    if peer.removed_at is not None:
        return DeliveryReport(waiting=pending_outbox(peer).count())
    for message in pending_outbox(peer).select_related("peer"):
        now = timezone.now()
        if not force and message.next_attempt_at and message.next_attempt_at > now:
            return DeliveryReport(delivered, rejected, pending_outbox(peer).count(), message.next_attempt_at)
        outcome, error = _attempt(message)
        message.attempts += 1
        message.last_error = error[:500]
        if outcome == "retry":
            message.next_attempt_at = now + _backoff(message.attempts)
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return DeliveryReport(delivered, rejected, pending_outbox(peer).count(), message.next_attempt_at)
        message.state = OutboxState.DELIVERED if outcome == "delivered" else OutboxState.REJECTED
        message.delivered_at = now
        message.save(update_fields=["attempts", "last_error", "state", "delivered_at"])
        delivered, rejected = delivered + (outcome == "delivered"), rejected + (outcome == "rejected")
    return DeliveryReport(delivered, rejected, 0, None)


# --------------------------------------------------------------------------- inbox

MESSAGE_FIELDS = ("id", "kind", "from", "to", "payload")


def _checked_message(*, peer: Peer, body: bytes) -> JsonObject:
    try:
        message = json.loads(body)
        if not isinstance(message, dict) or any(name not in message for name in MESSAGE_FIELDS):
            raise ValueError("fields")
        uuid.UUID(str(message["id"]))
        if not isinstance(message["payload"], dict):
            raise ValueError("payload")
    except ValueError as error:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"not a federation message ({', '.join(MESSAGE_FIELDS)})") from error
    if str(message["from"]).rstrip("/") != peer.node_id or str(message["to"]).rstrip("/") != keys.node_id():
        raise Refused(400, RefusalCode.WRONG_NODE, "the message is not from the signing node to this node")
    if message["kind"] not in handlers.HANDLERS:
        raise Refused(422, RefusalCode.UNKNOWN_KIND, f"this node does not handle {str(message['kind'])[:60]!r}")
    return message


def inbox_receive(*, peer: Peer, body: bytes) -> tuple[str, str]:
    """(status, message id): the message handled and stored once; a redelivery is acknowledged and changes nothing."""
    message = _checked_message(peer=peer, body=body)
    message_id = str(message["id"])
    try:
        with transaction.atomic():
            if InboxMessage.objects.filter(message_id=message_id).exists():
                return "duplicate", message_id
            handlers.HANDLERS[message["kind"]](peer=peer, payload=message["payload"])
            row = InboxMessage.objects.create(message_id=message_id, peer=peer, kind=message["kind"], payload=message["payload"])
            audit_record(actor=None, action="receive", obj=row, after={"peer": peer.node_id, "kind": row.kind})
    except IntegrityError:  # the same message handled by another request at the same moment
        return "duplicate", message_id
    return "accepted", message_id
