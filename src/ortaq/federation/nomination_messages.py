"""Nominations across nodes: the `nomination.*` messages, what they carry and what they do on arrival.

A nomination lives on the node of the call that made it (its home: the call, the application, the round stay
there). When a round nominates a learner to a host that another node hosts, the home sends `nomination.sent` to
that node with only what the host needs to decide (data minimisation: no IIN, passport, e-mail, birth date,
documents or scores); the host's node keeps it as a RemoteNomination, its staff accept or decline it there, and
`nomination.decided` goes back home, which applies it. A standing nomination that no longer stands at home
(superseded by a later round, declined by the learner, lapsed) sends `nomination.withdrawn`. Every `nomination.sent`
is recorded, field by field, as personal data sent about the learner (PersonalDataSent), which she sees on her profile.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ortaq.errors import DomainError
from ortaq.mobility import services as mobility_services
from ortaq.mobility.types import RemoteNominationInput

from .agreement_messages import _id, _refusal, institution_ref, local_institution
from .models import Peer
from .types import JsonObject, RefusalCode, Refused

if TYPE_CHECKING:
    from ortaq.institutions.types import Institution

# The fields of `nomination.sent` about the learner, as recorded in PersonalDataSent.fields (labels: selectors.py).
PERSONAL_FIELDS = ("name", "name_latin", "sending", "host", "call", "mobility_type", "academic_year", "field", "period", "answer_by")
WITHDRAWAL_REASONS = ("superseded", "declined", "lapsed")


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


# --------------------------------------------------------------------------- outgoing


def sent_payload(nomination: Any, refs: dict[int, JsonObject]) -> JsonObject:
    """`nomination.sent`: the nomination's id here, the host and the sending institution by {node, id}, the learner's
    names, the call's title as written, the kind, field and period of the mobility and the answer deadline. Nothing
    else about her crosses. `refs` caches institution refs across a round's nominations."""
    application = nomination.application
    call, person, option = application.call, application.applicant, nomination.option
    source = option.condition or option.offer
    condition, offer = option.condition, option.offer

    def ref(institution: Institution) -> JsonObject:
        if institution.pk not in refs:
            refs[institution.pk] = institution_ref(institution)
        return refs[institution.pk]

    return {
        "nomination": str(nomination.pk),
        "host": ref(nomination.host),
        "sending": ref(call.owner),
        "learner": {"name": person.full_name or person.get_full_name() or person.full_name_latin, "name_latin": person.full_name_latin},
        "call": {"title": call.title, "lang": call.written_in},
        "mobility_type": call.mobility_type,
        "academic_year": call.academic_year,
        "field": getattr(source, "isced_code", "") or "",
        "period": {"start": offer.start_date.isoformat() if offer else None, "end": offer.end_date.isoformat() if offer else None,
                   "duration": condition.duration if condition else None, "unit": condition.duration_unit if condition else ""},
        "answer_by": _stamp(nomination.answer_by),
    }


def sent_reason(nomination: Any) -> str:
    host = nomination.host
    return f"nomination {nomination.pk} to {host.name_latin or host.name_original}, hosted by {host.node}: the host decides on it"


def withdrawn_payload(nomination: Any, reason: str) -> JsonObject:
    return {"nomination": str(nomination.pk), "reason": reason}


def decided_payload(row: Any) -> JsonObject:
    return {"nomination": row.home_id, "accept": row.state == "accepted", "reason": row.reason}


# --------------------------------------------------------------------------- incoming


def _text(value: object, name: str, limit: int, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{name} must be {'a non-empty ' if required else ''}text")
    return value[:limit]


def _parsed(value: object, name: str, parse: Any) -> Any:
    if value is None:
        return None
    try:
        parsed = parse(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{name} must be an ISO 8601 date") from error
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{name} must name its time zone")
    return parsed


def _home_id(payload: JsonObject) -> str:
    home_id = payload.get("nomination")
    if not isinstance(home_id, str) or not home_id or len(home_id) > 64:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "nomination is the nomination's id on its home node")
    return home_id


def _received(peer: Peer, payload: JsonObject) -> RemoteNominationInput:
    learner, call, period = payload.get("learner"), payload.get("call"), payload.get("period") or {}
    if not isinstance(learner, dict) or not isinstance(call, dict) or not isinstance(period, dict):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "nomination.sent carries learner, call and period objects")
    year, duration = payload.get("academic_year"), period.get("duration")
    for name, value in (("academic_year", year), ("period.duration", duration)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10000):
            raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{name} must be a whole number")
    return RemoteNominationInput(
        home_node=peer.node_id, home_id=_home_id(payload),
        host=local_institution(payload.get("host")), sending=local_institution(payload.get("sending")),
        learner_name=_text(learner.get("name"), "learner.name", 200, required=True),
        learner_name_latin=_text(learner.get("name_latin"), "learner.name_latin", 200),
        call_title=_text(call.get("title"), "call.title", 200, required=True), call_language=_text(call.get("lang"), "call.lang", 10),
        mobility_type=_text(payload.get("mobility_type"), "mobility_type", 30), academic_year=year,
        isced_code=_text(payload.get("field"), "field", 4),
        start_date=_parsed(period.get("start"), "period.start", dt.date.fromisoformat),
        end_date=_parsed(period.get("end"), "period.end", dt.date.fromisoformat),
        duration=duration, duration_unit=_text(period.get("unit"), "period.unit", 10),
        answer_by=_parsed(payload.get("answer_by"), "answer_by", dt.datetime.fromisoformat),
    )


def nomination_sent(*, peer: Peer, payload: JsonObject) -> None:
    """A nomination made on the sender (its home) to a host of this node: kept for the host to decide. The sender
    must host the sending institution (not_home) and this node the host (conflict); the same nomination again
    changes nothing."""
    try:
        mobility_services.remote_nomination_receive(nomination=_received(peer, payload))
    except DomainError as error:
        raise _refusal(error) from error


def nomination_withdrawn(*, peer: Peer, payload: JsonObject) -> None:
    """The home node withdrew a nomination it sent here (superseded, declined by the learner, lapsed)."""
    reason = payload.get("reason")
    if reason not in WITHDRAWAL_REASONS:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"reason is one of {', '.join(WITHDRAWAL_REASONS)}")
    try:
        mobility_services.remote_nomination_withdraw(node=peer.node_id, home_id=_home_id(payload), reason=str(reason))
    except DomainError as error:
        raise _refusal(error) from error


def nomination_decided(*, peer: Peer, payload: JsonObject) -> None:
    """The host's node (the sender) decided on a nomination made here: applied as the host's decision."""
    accept, reason = payload.get("accept"), payload.get("reason", "")
    if not isinstance(accept, bool) or not isinstance(reason, str):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "nomination.decided carries nomination, accept (true or false) and reason")
    pk = _id(_home_id(payload))
    if pk is None:
        raise Refused(422, RefusalCode.NOT_HOME, "no nomination with this id was made on this node")
    try:
        mobility_services.nomination_decide_remote(nomination_id=pk, node=peer.node_id, accept=accept, reason=reason[:2000])
    except DomainError as error:
        raise _refusal(error) from error
