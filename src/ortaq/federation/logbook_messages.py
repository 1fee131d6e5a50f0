"""Logbooks across nodes: the `logbook.*` messages, what they carry and what they do.

Once an agreement whose receiving party is on another node is signed, the learner keeps her logbook on its home node.
Each week she submits (or resubmits after a return) goes to the host's node (`logbook.submitted`, recorded as personal
data sent about the learner; evidence files do not cross), the host's staff verify or return it there, and the
decision comes home (`logbook.verified`, naming the verifier, recorded as personal data sent about them; a company
supervisor without an account, who decided through the supervisor link, is named as she typed it and, there being no
person here to record it about, the outbox message's reason says that her name was sent).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from ortaq.errors import DomainError, ValidationFailed
from ortaq.mobility import services as mobility_services

from .agreement_messages import _id, _refusal
from .mobility_agreement_messages import SIGNER_ROLES, _text
from .types import JsonObject, RefusalCode, Refused

SUBMITTED, VERIFIED = "logbook.submitted", "logbook.verified"
# What a week tells about the learner, as recorded in PersonalDataSent.fields.
ENTRY_FIELDS = ("week_start", "hours", "description", "outcomes")
# What the host's decision names about its verifier.
VERIFIER_FIELDS = ("verifier_name", "signer_role")  # the role reads as the signer's (selectors.PERSONAL_FIELD_LABELS)
DESCRIPTION_MAX = 10_000


# --------------------------------------------------------------------------- outgoing (home)


def _decimal(value: object) -> str:
    """Hours as text with one decimal ("32.0"), whether read from the database or just validated."""
    return str(Decimal(str(value)).quantize(Decimal("0.1")))


def submitted_payload(entry: Any) -> JsonObject:
    return {"agreement": str(entry.agreement_id), "entry": str(entry.pk), "week_start": entry.week_start.isoformat(), "hours": _decimal(entry.hours),
            "description": entry.description, "outcomes": sorted(entry.outcomes.values_list("pk", flat=True)), "state": entry.state}


def submitted_reason(entry: Any) -> str:
    host = entry.agreement.nomination.host
    return (f"week {entry.week_start.isoformat()} of agreement {entry.agreement_id} to {host.name_latin or host.name_original}, "
            f"hosted by {host.node}: the host's supervisor verifies the week")


# --------------------------------------------------------------------------- outgoing (the host's node)


def verified_payload(row: Any, *, verifier: Any, role: str, verifier_name: str = "") -> JsonObject:
    """`verifier` is the User who decided, or None through the supervisor link, where `verifier_name` is the name typed."""
    name = verifier_name if verifier is None else verifier.full_name or verifier.get_full_name() or verifier.full_name_latin or verifier.username
    return {"agreement": row.agreement.home_id, "entry": row.home_id, "approve": row.state == "verified",
            "verified_hours": None if row.verified_hours is None else _decimal(row.verified_hours), "comment": row.comment,
            "verifier": {"name": name, "role": role}}


def verified_reason(row: Any, *, via_link: bool) -> str:
    reason = f"the host decided on week {row.week_start.isoformat()} of agreement {row.agreement.home_id} of {row.agreement.nomination.home_node}"
    if via_link:  # no User to record PersonalDataSent about: the reason says what of her was sent (first: it is cut at 200)
        reason = f"sent the verifier's name as the company supervisor typed it on the supervisor link (no account here): {reason}"
    return reason


# --------------------------------------------------------------------------- incoming


def _hours(value: object, name: str) -> Decimal:
    try:
        hours = Decimal(str(value)) if isinstance(value, str) else None
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or not 0 <= hours <= 80 or hours != hours.quantize(Decimal("0.1")):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{name} is a decimal text between 0 and 80, one decimal at most")
    return hours


def logbook_submitted(*, peer: Any, payload: JsonObject) -> None:
    """A week the learner submitted on the sender (the agreement's home) for the host here to verify."""
    try:
        week_start = dt.date.fromisoformat(str(payload.get("week_start")))
    except ValueError as error:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "week_start is an ISO date") from error
    hours = _hours(payload.get("hours"), "hours")
    description, outcomes = payload.get("description"), payload.get("outcomes")
    if hours == 0 or not isinstance(description, str) or not description.strip() or len(description) > DESCRIPTION_MAX:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "a week has hours above 0 and a description")
    if not isinstance(outcomes, list) or not all(isinstance(o, int) and not isinstance(o, bool) for o in outcomes) or payload.get("state") != "submitted":
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "outcomes is a list of whole numbers and state is \"submitted\"")
    try:
        mobility_services.remote_logbook_receive(node=peer.node_id, agreement_home_id=_text(payload, "agreement"), entry_home_id=_text(payload, "entry"),
                                                 week_start=week_start, hours=hours, description=description, outcomes=sorted(set(outcomes)))
    except DomainError as error:
        raise _refusal(error) from error


def logbook_verified(*, peer: Any, payload: JsonObject) -> None:
    """The host, on the sender's node, verified or returned a week of a logbook kept here."""
    verifier, approve, comment = payload.get("verifier"), payload.get("approve"), payload.get("comment")
    if not isinstance(approve, bool) or not isinstance(comment, str) or not isinstance(verifier, dict) \
            or not isinstance(verifier.get("name"), str) or not verifier["name"].strip() or verifier.get("role") not in SIGNER_ROLES:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "logbook.verified carries approve, verified_hours, comment and verifier {name, role}")
    hours = _hours(payload.get("verified_hours"), "verified_hours") if approve else None
    agreement_id, entry_id = _id(_text(payload, "agreement")), _id(_text(payload, "entry"))
    if agreement_id is None or entry_id is None:
        raise Refused(422, RefusalCode.NOT_HOME, "no logbook week with this id was kept on this node")
    try:
        mobility_services.logbook_verify_remote(agreement_id=agreement_id, entry_id=entry_id, node=peer.node_id, approve=approve,
                                                verified_hours=hours, comment=comment, verifier_name=verifier["name"][:200],
                                                verifier_role=str(verifier["role"]))
    except ValidationFailed as error:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{error.message} {error.errors}"[:500]) from error
    except DomainError as error:
        raise _refusal(error) from error
