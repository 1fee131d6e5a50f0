"""What a message from a peer does here, by kind, and the mirror of a peer's institutions. Each handler runs
inside the inbox's transaction, through the other apps' services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from ortaq.errors import DomainError
from ortaq.institutions.services import institution_mirror_remote
from ortaq.institutions.types import InstitutionDetails

from . import agreement_messages, credential_messages, logbook_messages, mobility_agreement_messages, nomination_messages, transcript_messages
from .models import InstitutionLink, Peer
from .types import JsonObject

Handler = Callable[..., Any]


def _text(value: object, limit: int) -> str:
    return str(value or "")[:limit]


def _details(entry: JsonObject, fallback_country: str) -> InstitutionDetails:
    """A manifest's entry as the registry's details: only names, kind, country and identifiers cross."""
    names = entry.get("names")
    names = names if isinstance(names, dict) else {}
    identifiers = entry.get("identifiers")
    identifiers = identifiers if isinstance(identifiers, dict) else {}
    return InstitutionDetails(
        kind=_text(entry.get("kind"), 30), country=_text(entry.get("country") or fallback_country, 2),
        name_original=_text(names.get("original"), 300), name_latin=_text(names.get("latin"), 300),
        name_kk=_text(names.get("kk"), 300), name_ru=_text(names.get("ru"), 300),
        name_zh=_text(names.get("zh"), 300), name_en=_text(names.get("en"), 300),
        kz_bin=_text(identifiers.get("kz_bin"), 12), education_code=_text(identifiers.get("education_code"), 30),
        cn_uscc=_text(identifiers.get("cn_uscc"), 18), schac=_text(identifiers.get("schac"), 253),
    )


def mirror_institutions(*, peer: Peer, manifest: JsonObject) -> list[str]:
    """Mirror the institutions the peer's manifest lists into the local registry (with `node` set). One that
    breaks a local rule (an identifier already used here, a bad check digit, an unknown kind) is skipped, not the
    whole manifest; returns the skipped ones as "remote id: why" for the operator and the audit trail."""
    entries = manifest.get("institutions")
    links = {link.remote_id: link for link in InstitutionLink.objects.filter(peer=peer).select_related("institution")}
    skipped: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        remote_id = str(entry["id"])[:64]
        link = links.get(remote_id)
        try:
            with transaction.atomic():
                institution = institution_mirror_remote(node=peer.node_id, details=_details(entry, peer.country),
                                                        institution=link.institution if link else None)
                if link is None:
                    InstitutionLink.objects.create(peer=peer, remote_id=remote_id, institution=institution)
        except (DomainError, IntegrityError) as error:
            skipped.append(f"{remote_id}: {getattr(error, 'errors', None) or error}"[:300])
    return skipped


def ping(*, peer: Peer, payload: JsonObject) -> None:
    """A connectivity check: stored in the inbox like any message, changes nothing else."""


HANDLERS: dict[str, Handler] = {
    "ping": ping,
    "agreement.proposed": agreement_messages.agreement_proposed,
    "agreement.approved": agreement_messages.agreement_approved,
    "agreement.state": agreement_messages.agreement_state,
    credential_messages.ISSUER: credential_messages.credentials_issuer,
    credential_messages.STATUS_LIST: credential_messages.credentials_status_list,
    "nomination.sent": nomination_messages.nomination_sent,
    "nomination.withdrawn": nomination_messages.nomination_withdrawn,
    "nomination.decided": nomination_messages.nomination_decided,
    mobility_agreement_messages.PROPOSED: mobility_agreement_messages.mobility_agreement_proposed,
    mobility_agreement_messages.SIGNED: mobility_agreement_messages.mobility_agreement_signed,
    mobility_agreement_messages.STATE: mobility_agreement_messages.mobility_agreement_state,
    mobility_agreement_messages.CHANGE_PROPOSED: mobility_agreement_messages.mobility_agreement_change_proposed,
    mobility_agreement_messages.CHANGE_DECIDED: mobility_agreement_messages.mobility_agreement_change_decided,
    logbook_messages.SUBMITTED: logbook_messages.logbook_submitted,
    logbook_messages.VERIFIED: logbook_messages.logbook_verified,
    transcript_messages.TRANSCRIPT: transcript_messages.mobility_transcript,
}
