"""Learning and training agreements across nodes: the `mobility_agreement.*` messages, what they carry and what they do.

A mobility agreement lives on its nomination's home node (the learner drafts it there, she and the sending
institution sign there). When the nomination's host is hosted by another node, each version to sign goes there
(`mobility_agreement.proposed`, recorded as personal data sent about the learner), the host's staff sign it there as
the receiving party (`mobility_agreement.signed` comes home, naming the signer), and the home sends the signatures and
state it records after every signature (`mobility_agreement.state`). The content crosses exactly as hashed at home,
so that both nodes hold the same SHA-256 for the version signed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ortaq.errors import DomainError, ValidationFailed
from ortaq.mobility import services as mobility_services
from ortaq.mobility.types import RemoteMobilityAgreementInput

from .agreement_messages import _id, _number, _refusal
from .types import JsonObject, RefusalCode, Refused

PROPOSED, SIGNED, STATE = "mobility_agreement.proposed", "mobility_agreement.signed", "mobility_agreement.state"
# The content's fields (during.content_of), as recorded in PersonalDataSent.fields for the learner (labels: selectors.py).
CONTENT_FIELDS = ("kind", "start_date", "end_date", "weekly_hours", "components")
# What the host's signature names about its signer, recorded as personal data sent about them.
SIGNER_FIELDS = ("signer_name", "signer_role")
STATES = ("draft", "signing", "signed")
SIGNER_ROLES = ("coordinator", "company_supervisor")
# A change of components the host proposes on its node, and the home's decision on it (mobility.remote_change_services).
CHANGE_PROPOSED, CHANGE_DECIDED = "mobility_agreement.change_proposed", "mobility_agreement.change_decided"
# What a proposal names about its proposer, recorded as personal data sent about them.
PROPOSER_FIELDS = ("proposer_name", "signer_role")
COMMENT_MAX = 1_000  # ortaq.inputs.LINE_MAX, as the home checks the comment and the response


# --------------------------------------------------------------------------- outgoing (home)


def _signatures(agreement: Any) -> list[JsonObject]:
    return [{"party": s.party, "version": s.version, "sha256": s.sha256} for s in agreement.signatures.order_by("version", "id")]


def proposed_payload(agreement: Any) -> JsonObject:
    """The version to sign: its content exactly as hashed here, the nomination's id here (the host's node keeps the
    nomination under it) and the signatures recorded so far."""
    version = agreement.versions.get(number=agreement.version)
    return {"agreement": str(agreement.pk), "nomination": str(agreement.nomination_id), "version": version.number,
            "sha256": version.sha256, "content": version.content, "signatures": _signatures(agreement),
            "outcome_texts": mobility_services.outcome_texts_of(version.content)}


def state_payload(agreement: Any) -> JsonObject:
    version = agreement.versions.get(number=agreement.version)
    return {"agreement": str(agreement.pk), "version": version.number, "sha256": version.sha256, "state": agreement.state,
            "signatures": _signatures(agreement)}


def proposed_reason(agreement: Any) -> str:
    host = agreement.nomination.host
    return f"agreement {agreement.pk} version {agreement.version} to {host.name_latin or host.name_original}, hosted by {host.node}: the host signs it as receiving party"


# --------------------------------------------------------------------------- outgoing (the host's node)


def signed_payload(row: Any, *, signer: Any, role: str) -> JsonObject:
    return {"agreement": row.home_id, "version": row.version, "sha256": row.sha256, "party": "receiving",
            "signer": {"name": signer.full_name or signer.get_full_name() or signer.full_name_latin or signer.username, "role": role}}


# --------------------------------------------------------------------------- incoming


def _text(payload: JsonObject, name: str, limit: int = 64) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{name} must be a non-empty text of at most {limit} characters")
    return value


def _signature_list(payload: JsonObject) -> list[dict[str, object]]:
    entries = payload.get("signatures")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "signatures is a list of {party, version, sha256}")
    return [{"party": str(e.get("party", ""))[:10], "version": _number(e, "version"), "sha256": str(e.get("sha256", ""))[:64]} for e in entries]


def _checked_content(content: object) -> dict[str, object]:
    """The content must read as an agreement here (dates, components); its hash is checked by mobility."""
    if not isinstance(content, dict) or not isinstance(content.get("components"), list):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "content is an agreement's content: kind, start_date, end_date, weekly_hours, components")
    try:
        for name in ("start_date", "end_date"):
            dt.date.fromisoformat(str(content.get(name)))
    except ValueError as error:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "content's start_date and end_date are ISO dates") from error
    for component in content["components"]:
        if not isinstance(component, dict) or not isinstance(component.get("title"), str) or not isinstance(component.get("outcomes", []), list):
            raise Refused(400, RefusalCode.INVALID_MESSAGE, "a component is {code, title, credits, hours, recognition, outcomes}")
    return content


OUTCOME_TEXT_MAX = 2_000
LANGUAGES = ("kk", "ru", "zh", "en")


def _outcome_texts(value: object, content: dict[str, object]) -> dict[str, dict[str, str]]:
    """{"<outcome id>": {"kk"|"ru"|"zh"|"en": text}} for outcomes the content names (absent: none; older senders)."""
    if value is None:
        return {}
    named = {str(o) for c in content.get("components", []) if isinstance(c, dict) for o in c.get("outcomes") or []}  # type: ignore[attr-defined]
    if not isinstance(value, dict) or not set(value) <= named or not all(
            isinstance(texts, dict) and set(texts) <= set(LANGUAGES) and all(isinstance(t, str) and len(t) <= OUTCOME_TEXT_MAX for t in texts.values())
            for texts in value.values()):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "outcome_texts maps the content's outcome ids to {kk, ru, zh, en} texts")
    return {key: {lang: text for lang, text in texts.items() if text} for key, texts in value.items()}


def mobility_agreement_proposed(*, peer: Any, payload: JsonObject) -> None:
    """A version of an agreement drafted on the sender (the nomination's home) for the host here to sign."""
    content = _checked_content(payload.get("content"))
    remote = RemoteMobilityAgreementInput(
        home_node=peer.node_id, home_id=_text(payload, "agreement"), nomination_home_id=_text(payload, "nomination"),
        version=_number(payload, "version"), sha256=_text(payload, "sha256"), content=content,
        signatures=_signature_list(payload), outcome_texts=_outcome_texts(payload.get("outcome_texts"), content))
    try:
        mobility_services.remote_agreement_receive(agreement=remote)
    except DomainError as error:
        raise _refusal(error) from error


def mobility_agreement_state(*, peer: Any, payload: JsonObject) -> None:
    """The signatures and state the agreement's home node (the sender) records now."""
    state = payload.get("state")
    if state not in STATES:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"state is one of {', '.join(STATES)}")
    try:
        mobility_services.remote_agreement_apply_state(node=peer.node_id, home_id=_text(payload, "agreement"), version=_number(payload, "version"),
                                                       sha256=_text(payload, "sha256"), state=str(state), signatures=_signature_list(payload))
    except DomainError as error:
        raise _refusal(error) from error


def mobility_agreement_signed(*, peer: Any, payload: JsonObject) -> None:
    """The host, on the sender's node, signed an agreement made here as the receiving party."""
    signer = payload.get("signer")
    if payload.get("party") != "receiving" or not isinstance(signer, dict) or not isinstance(signer.get("name"), str) \
            or not signer["name"].strip() or signer.get("role") not in SIGNER_ROLES:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "mobility_agreement.signed carries party \"receiving\" and signer {name, role}")
    pk = _id(_text(payload, "agreement"))
    if pk is None:
        raise Refused(422, RefusalCode.NOT_HOME, "no agreement with this id was made on this node")
    try:
        mobility_services.mobility_agreement_sign_remote(agreement_id=pk, node=peer.node_id, version=_number(payload, "version"),
                                                         sha256=_text(payload, "sha256"), signer_name=signer["name"][:200])
    except DomainError as error:
        raise _refusal(error) from error


# --------------------------------------------------------------------------- changes proposed on the host's node


def _person_name(user: Any) -> str:
    return user.full_name or user.get_full_name() or user.full_name_latin or user.username


def change_proposed_payload(proposal: Any, *, proposer: Any, role: str) -> JsonObject:
    row = proposal.agreement
    return {"agreement": row.home_id, "proposal": str(proposal.pk), "version": proposal.base_version, "sha256": row.sha256,
            "components": proposal.components, "reason_code": proposal.reason_code, "comment": proposal.comment,
            "proposer": {"name": _person_name(proposer), "role": role}}


def change_decided_payload(proposal: Any) -> JsonObject:
    return {"agreement": str(proposal.agreement_id), "proposal": proposal.remote_id, "approved": proposal.state == "approved",
            "response": proposal.response}


def share_change(*, change: str, proposal: Any = None, proposer: Any = None, role: str = "", **signal: object) -> list[Any]:
    """The receiver of `ortaq.mobility.services.change_shared`, in the mobility service's transaction: a change the
    host proposes here goes to the agreement's home (`mobility_agreement.change_proposed`, recorded as personal data
    sent about the proposer), and the home's decision on it goes back to the host's node (`mobility_agreement.change_decided`)."""
    from .models import PersonalDataSent
    from .selectors import peer_by_node
    from .services import outbox_enqueue

    if change == "decided":
        peer = peer_by_node(proposal.proposed_on_node)
        if peer is None:
            return []
        return [outbox_enqueue(peer=peer, kind=CHANGE_DECIDED, payload=change_decided_payload(proposal),
                               reason=f"the decision on change {proposal.remote_id} of agreement {proposal.agreement_id}, proposed on {peer.node_id}")]
    row = proposal.agreement
    peer = peer_by_node(row.nomination.home_node)
    if peer is None or proposer is None:
        return []
    message = outbox_enqueue(peer=peer, kind=CHANGE_PROPOSED, payload=change_proposed_payload(proposal, proposer=proposer, role=role),
                             reason=f"the host proposed a change of agreement {row.home_id} version {proposal.base_version} of {row.nomination.home_node}, "
                                    "which the sending institution decides")
    PersonalDataSent.objects.create(person=proposer, peer=peer, message=message, kind=message.kind, fields=list(PROPOSER_FIELDS), reason=message.reason)
    return [message]


def _components(payload: JsonObject) -> list[dict[str, object]]:
    components = payload.get("components")
    if not isinstance(components, list) or not components or len(components) > 200 or not all(isinstance(c, dict) for c in components):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "components is a list of 1 to 200 {code, title, credits, hours, recognition, outcomes}")
    return components


def mobility_agreement_change_proposed(*, peer: Any, payload: JsonObject) -> None:
    """The host, on the sender's node, proposes a change of components of an agreement made here."""
    proposer, comment = payload.get("proposer"), payload.get("comment", "")
    if not isinstance(proposer, dict) or not isinstance(proposer.get("name"), str) or not proposer["name"].strip() \
            or proposer.get("role") not in SIGNER_ROLES:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "mobility_agreement.change_proposed carries proposer {name, role}")
    if not isinstance(payload.get("reason_code"), str) or not isinstance(comment, str):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "reason_code and comment are texts")
    components = _components(payload)
    pk = _id(_text(payload, "agreement"))
    if pk is None:
        raise Refused(422, RefusalCode.NOT_HOME, "no agreement with this id was made on this node")
    try:
        mobility_services.change_propose_remote(agreement_id=pk, node=peer.node_id, remote_id=_text(payload, "proposal"),
                                                version=_number(payload, "version"), sha256=_text(payload, "sha256"), components=components,
                                                reason_code=str(payload["reason_code"]), comment=comment, proposer_name=proposer["name"][:200])
    except ValidationFailed as error:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{error.message} {error.errors}"[:500]) from error
    except DomainError as error:
        raise _refusal(error) from error


def mobility_agreement_change_decided(*, peer: Any, payload: JsonObject) -> None:
    """The agreement's home node (the sender) decided a change the host proposed here."""
    approved, response = payload.get("approved"), payload.get("response", "")
    if not isinstance(approved, bool) or not isinstance(response, str) or len(response) > COMMENT_MAX:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"approved is true or false, response a text of at most {COMMENT_MAX} characters")
    try:
        mobility_services.remote_change_apply_decision(node=peer.node_id, home_id=_text(payload, "agreement"), proposal_id=_id(_text(payload, "proposal")),
                                                       approved=approved, response=response)
    except DomainError as error:
        raise _refusal(error) from error
