"""Agreements across nodes: the `agreement.*` messages, what they carry and what they do on arrival.

An agreement lives on the node where it was drafted (its home); every other node hosting a party holds a copy
with the same content and SHA-256. The home sends `agreement.proposed` (each version) and `agreement.state` (the
approvals and state it records) to every other party's node; a copy's node sends `agreement.approved` home when
a party it hosts approves. Institutions are named by their home node and their id there, so that each node maps
them to its own registry (its own institutions, or the mirrors of a peer's: `InstitutionLink`). No person crosses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ortaq.agreements import selectors as agreement_selectors
from ortaq.agreements import services as agreement_services
from ortaq.agreements.types import RemoteApproval, RemoteVersion
from ortaq.errors import DomainError
from ortaq.institutions.selectors import institutions_by_id

from . import keys
from .models import AgreementLink, InstitutionLink, Peer
from .types import JsonObject, RefusalCode, Refused

if TYPE_CHECKING:
    from ortaq.agreements.types import Agreement
    from ortaq.institutions.types import Institution


# --------------------------------------------------------------------------- institutions by their home node


def institution_ref(institution: Institution) -> JsonObject:
    """{"node", "id"}: the institution's home node and its id there, the same on every node."""
    if not institution.node:
        return {"node": keys.node_id(), "id": str(institution.pk)}
    link = InstitutionLink.objects.filter(institution=institution).first()
    return {"node": institution.node, "id": link.remote_id if link else ""}


def local_institution(ref: object) -> Institution:
    """The institution of this registry that a {"node", "id"} names, or Refused (unknown_party: retried, as the
    next manifest refresh may bring it)."""
    if not isinstance(ref, dict):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "an institution is named by {node, id}")
    node, remote_id = str(ref.get("node", "")).rstrip("/"), str(ref.get("id", ""))
    if node == keys.node_id():
        pk = _id(remote_id)
        found = institutions_by_id([pk]).get(pk) if pk is not None else None
        if found is not None and not found.node:
            return found
    else:
        link = InstitutionLink.objects.filter(peer__node_id=node, remote_id=remote_id).select_related("institution").first()
        if link is not None:
            return link.institution
    raise Refused(409, RefusalCode.UNKNOWN_PARTY, f"institution {remote_id} of {node} is not in the registry here")


def _id(value: object) -> int | None:
    """A local primary key sent back by a peer, or None (not digits, or too large for any database's integer)."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _refusal(error: DomainError) -> Refused:
    code = RefusalCode.NOT_HOME if error.code == "home_node" else RefusalCode.CONFLICT
    errors = getattr(error, "errors", None)  # ValidationFailed: which of the home node's values breaks a rule here
    return Refused(422, code, f"{error.message} {errors or ''}".strip()[:500])


def _number(payload: JsonObject, name: str) -> int:
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{name} must be a whole number")
    return value


# --------------------------------------------------------------------------- outgoing


def proposed_payload(agreement: Agreement) -> JsonObject:
    """The version to approve: the content exactly as hashed (institutions by this node's ids) and, for each of
    those ids (`ref`), the institution's home node and id there."""
    version = agreement_selectors.current_version(agreement)
    assert version is not None  # every agreement has its current version (services._new_version)
    named = {inst.pk: inst for inst in agreement_selectors.parties_of(agreement)}
    return {"agreement": str(agreement.pk), "version": version.number, "sha256": version.sha256, "content": version.content,
            "parties": [{"ref": pk, **institution_ref(inst)} for pk, inst in sorted(named.items())]}


def state_payload(agreement: Agreement) -> JsonObject:
    version = agreement_selectors.current_version(agreement)
    assert version is not None
    return {"agreement": str(agreement.pk), "version": version.number, "sha256": version.sha256, "state": agreement.state,
            "terminated_reason": agreement.terminated_reason if agreement.state == "terminated" else "",
            "approvals": [{"institution": institution_ref(a.institution), "version": a.version, "sha256": a.sha256}
                          for a in agreement_selectors.current_approvals(agreement)]}


def approved_payload(agreement: Agreement, *, institution: Institution, version: int, sha256: str) -> JsonObject | None:
    """A local party's approval of a copy, for its home node (None if the copy's link is missing)."""
    link = AgreementLink.objects.filter(agreement=agreement).first()
    if link is None:
        return None
    return {"agreement": link.home_id, "version": version, "sha256": sha256, "institution": institution_ref(institution)}


def party_nodes(agreement: Agreement) -> list[str]:
    """The other nodes hosting a party of an agreement made here."""
    return sorted({inst.node for inst in agreement_selectors.parties_of(agreement) if inst.node})


# --------------------------------------------------------------------------- incoming


def agreement_proposed(*, peer: Peer, payload: JsonObject) -> None:
    """A version proposed on the sender (the agreement's home): stored as a copy with the same SHA-256."""
    home_id, content = str(payload.get("agreement", ""))[:64], payload.get("content")
    if not home_id or not isinstance(content, dict) or not isinstance(payload.get("parties"), list):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "agreement.proposed carries agreement, version, sha256, content, parties")
    institutions: dict[int, Any] = {}
    for party in payload["parties"]:
        if not isinstance(party, dict) or not isinstance(party.get("ref"), int):
            raise Refused(400, RefusalCode.INVALID_MESSAGE, "a party is {ref (its id in the content), node, id}")
        institutions[party["ref"]] = local_institution(party)
    remote = RemoteVersion(home_node=peer.node_id, version=_number(payload, "version"), sha256=str(payload.get("sha256", "")),
                           content=content, institutions=institutions)
    link = AgreementLink.objects.filter(home_node=peer.node_id, home_id=home_id).select_related("agreement").first()
    try:
        agreement = agreement_services.agreement_receive_remote(remote=remote, agreement=link.agreement if link else None)
    except DomainError as error:
        raise _refusal(error) from error
    if link is None:
        AgreementLink.objects.create(home_node=peer.node_id, home_id=home_id, agreement=agreement)


def agreement_approved(*, peer: Peer, payload: JsonObject) -> None:
    """A party hosted by the sender approved an agreement made here."""
    pk = _id(payload.get("agreement", ""))
    agreement = agreement_selectors.hosted_agreement(pk) if pk is not None else None
    if agreement is None:
        raise Refused(422, RefusalCode.NOT_HOME, "no agreement with this id was made on this node")
    institution = local_institution(payload.get("institution"))
    try:
        agreement_services.agreement_approve_remote(agreement=agreement, institution=institution, node=peer.node_id,
                                                    version=_number(payload, "version"), sha256=str(payload.get("sha256", "")))
    except DomainError as error:
        raise _refusal(error) from error


def agreement_state(*, peer: Peer, payload: JsonObject) -> None:
    """The approvals and state the agreement's home node (the sender) records now."""
    link = AgreementLink.objects.filter(home_node=peer.node_id, home_id=str(payload.get("agreement", ""))[:64]).select_related("agreement").first()
    if link is None:
        raise Refused(422, RefusalCode.NOT_HOME, "the sender is not the home node of an agreement held here")
    entries = payload.get("approvals")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "approvals is a list of {institution, version, sha256}")
    approvals = [RemoteApproval(institution=local_institution(e.get("institution")), version=_number(e, "version"), sha256=str(e.get("sha256", "")))
                 for e in entries]
    try:
        agreement_services.agreement_apply_remote_state(
            agreement=link.agreement, node=peer.node_id, version=_number(payload, "version"), sha256=str(payload.get("sha256", "")),
            state=str(payload.get("state", "")), approvals=approvals, reason=str(payload.get("terminated_reason") or ""))
    except DomainError as error:
        raise _refusal(error) from error
