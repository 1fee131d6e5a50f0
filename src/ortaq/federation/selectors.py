"""Reads of the federation: this node's manifest, the trusted peers and their keys."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.credentials.selectors import issuer_did_domain
from ortaq.engines.credentials.multibase import MultibaseError
from ortaq.institutions.selectors import institution_rows

from . import keys
from .models import InboxMessage, OutboxMessage, PersonalDataSent, Peer
from .types import FEDERATION_API_VERSION, JsonObject

if TYPE_CHECKING:
    from ortaq.accounts.types import User

IDENTIFIERS = ("kz_bin", "education_code", "cn_uscc", "schac")
NAME_LANGUAGES = ("kk", "ru", "zh", "en")


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def node_name() -> str:
    return getattr(settings, "ORTAQ_NODE_NAME", "") or f"Ortaq {urlsplit(keys.node_id()).netloc}"


def node_country() -> str | None:
    return getattr(settings, "ORTAQ_NODE_COUNTRY", "") or None


def hosted_institutions() -> list[JsonObject]:
    """The institutions this node hosts (not the mirrors of remote ones), with only what a partner needs to
    name and identify them: no contacts, no people, no addresses."""
    rows = institution_rows().filter(node__isnull=True).order_by("id")
    return [
        {
            "id": str(row.pk),
            "kind": row.kind,
            "country": row.country,
            "names": {"original": row.name_original, "latin": row.name_latin}
            | {lang: getattr(row, f"name_{lang}") for lang in NAME_LANGUAGES if getattr(row, f"name_{lang}")},
            "identifiers": {name: getattr(row, name) for name in IDENTIFIERS if getattr(row, name)},
        }
        for row in rows
    ]


def manifest() -> JsonObject:
    node = keys.node_id()
    return {
        "id": node,
        "type": "OrtaqNode",
        "name": node_name(),
        "country": node_country(),
        "keys": [
            {
                "id": keys.key_id(key),
                "type": "Multikey",
                "publicKeyMultibase": key.public_key_multibase,
                "fingerprint": keys.fingerprint_of(key.public_key_multibase),
                "valid_from": _stamp(key.valid_from),
                "valid_until": _stamp(key.valid_until),
            }
            for key in keys.published_keys()
        ],
        "institutions": hosted_institutions(),
        # The domain of this node's issuers' did:web (docs/federation.md, "Issuers and status lists"): a peer takes
        # their documents from this node for it too, when no other peer claims it.
        "did_domain": issuer_did_domain(),
        "apis": [
            {"name": "ortaq-federation", "version": FEDERATION_API_VERSION, "url": f"{node}/federation/v1/"},
            {"name": "ortaq-rest", "version": "1", "url": f"{node}/api/v1/"},
        ],
        "generated_at": _stamp(timezone.now()),
    }


def all_peers() -> QuerySet[Peer]:
    return Peer.objects.select_related("registry_import")


def active_peers() -> QuerySet[Peer]:
    return Peer.objects.filter(removed_at__isnull=True)


def peer_by_node(node: str) -> Peer | None:
    return Peer.objects.filter(node_id=node.rstrip("/")).first()


def _parse(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def current_peer_key(entries: list[JsonObject], now: dt.datetime | None = None) -> JsonObject | None:
    """The key a manifest signs with now: the valid one that became valid last."""
    now = now or timezone.now()
    valid = [k for k in entries if (_parse(k.get("valid_until")) or now + dt.timedelta(days=1)) > now]
    return max(valid, key=lambda k: _parse(k.get("valid_from")) or dt.datetime.min.replace(tzinfo=dt.UTC), default=None)


def peer_for_key(key_id: str) -> tuple[Peer, JsonObject] | None:
    """The trusted peer holding this key id and the pinned key, if it is still inside its validity."""
    node = key_id.split("#", 1)[0]
    peer = active_peers().filter(node_id=node).first()
    if peer is None:
        return None
    now = timezone.now()
    for entry in peer.keys:
        if entry.get("id") == key_id and (_parse(entry.get("valid_until")) or now + dt.timedelta(days=1)) > now:
            return peer, entry
    return None


def resolve_peer_key(key_id: str) -> Ed25519PublicKey | None:
    """For the signature engine: the public key pinned for a trusted peer's key id, or None (refused)."""
    found = peer_for_key(key_id)
    if found is None:
        return None
    try:
        return keys.public_key_of(str(found[1].get("publicKeyMultibase", "")))
    except (MultibaseError, ValueError):
        return None


def pending_outbox(peer: Peer) -> QuerySet[OutboxMessage]:
    return peer.outbox.filter(state="pending").order_by("id")


def inbox_has(message_id: str) -> bool:
    return InboxMessage.objects.filter(message_id=message_id).exists()


# --------------------------------------------------------------------------- what was sent about a person

# The fields a message may carry about a person (PersonalDataSent.fields), as that person reads them.
PERSONAL_FIELD_LABELS = {
    "name": _("your name in original script"),
    "name_latin": _("your name in Latin script"),
    "sending": _("your sending institution"),
    "host": _("the host you were nominated to"),
    "call": _("the call's title"),
    "mobility_type": _("the kind of mobility"),
    "academic_year": _("the academic year"),
    "field": _("the field of study (ISCED-F)"),
    "period": _("the mobility's dates or duration"),
    "answer_by": _("the deadline to answer the placement"),
    "kind": _("the kind of agreement (learning or training)"),
    "start_date": _("the mobility's start date"),
    "end_date": _("the mobility's end date"),
    "weekly_hours": _("the target hours per week"),
    "components": _("the agreement's components, credits, hours and how they are recognised at home"),
    "signer_name": _("your name, as the signer"),
    "signer_role": _("your role at your institution"),
    "week_start": _("the week of your logbook"),
    "hours": _("the hours you logged that week"),
    "description": _("what you wrote you did that week"),
    "outcomes": _("the learning outcomes you linked to that week"),
    "verifier_name": _("your name, as the verifier"),
    "proposer_name": _("your name, as the one who proposed the change"),
}
# Why a kind of message carries a person's data, as that person reads it.
PERSONAL_DATA_PURPOSES = {
    "nomination.sent": _("You were nominated to a host on that node: the host needs this to accept or decline you."),
    "mobility_agreement.proposed": _("Your learning or training agreement: the host on that node signs it as receiving institution."),
    "mobility_agreement.signed": _("You signed a learning or training agreement made on that node: it records who signed for the host."),
    "logbook.submitted": _("A week of your logbook: the host's supervisor on that node verifies it."),
    "logbook.verified": _("You verified or returned a logbook week kept on that node: it records who decided for the host."),
    "mobility_agreement.change_proposed": _("You proposed a change of a learning or training agreement made on that node: the sending institution decides it there."),
}


def personal_data_sent_to(*, person: User) -> list[dict[str, Any]]:
    """What this node sent about the person to other nodes, newest first: node, date, what (the fields, in the
    reader's language) and why. Only the person's own records (the profile page shows them to her alone)."""
    rows = PersonalDataSent.objects.filter(person=person).select_related("peer", "message")
    return [{"node": row.peer.name or row.peer.node_id, "node_id": row.peer.node_id, "sent_at": row.sent_at,
             "delivered": row.message.state == "delivered",
             "what": [str(PERSONAL_FIELD_LABELS.get(name, name)) for name in row.fields],
             "why": str(PERSONAL_DATA_PURPOSES.get(row.kind, row.kind)), "reason": row.reason} for row in rows]


def declared_did_domain(peer: Peer) -> str:
    """The did:web domain `peer` declared for its issuers in the manifest it was trusted (or last refreshed) with, when
    it may speak for it: a plain host[:port], not this node's own (site or issuers'), and claimed by no other active
    peer as its did_domain or its own host. Otherwise "" (the peer speaks only for its own host)."""
    declared = peer.manifest.get("did_domain") if isinstance(peer.manifest, dict) else None
    if not isinstance(declared, str) or not declared or len(declared) > 253 or any(c in declared for c in "/@?# \t\n"):
        return ""
    declared = declared.lower()
    if declared == urlsplit(peer.node_id).netloc.lower():
        return ""  # its own host: nothing more to allow
    if declared in {issuer_did_domain().lower(), urlsplit(settings.SITE_ROOT).netloc.lower()}:
        return ""
    for other in active_peers().exclude(pk=peer.pk).only("node_id", "manifest"):
        theirs = other.manifest.get("did_domain") if isinstance(other.manifest, dict) else None
        if declared in {urlsplit(other.node_id).netloc.lower(), str(theirs or "").lower()}:
            return ""
    return declared
