"""The host's evaluation and transcript of records across nodes: the `mobility.transcript` message.

Once the host's staff have graded every component of a signed learning or training agreement made on another node
(and rated its learning outcomes), a coordinator of the host signs them as the host institution's ClrCredential
(mobility.remote_transcript_services) and it goes to the agreement's home node with the version it evaluated. The home
verifies it offline (the issuer's DID document and status lists came through `credentials.*` messages queued before
it), checks that its issuer is the host's on the sender's node, and records the results for recognition there.
"""

from __future__ import annotations

import json
from typing import Any

from ortaq.engines.credentials import InputError
from ortaq.engines.credentials.canon import check_depth
from ortaq.errors import DomainError, ValidationFailed
from ortaq.mobility import services as mobility_services

from .agreement_messages import _id, _number, _refusal
from .mobility_agreement_messages import _text
from .models import InstitutionLink
from .types import JsonObject, RefusalCode, Refused

TRANSCRIPT = "mobility.transcript"
CREDENTIAL_MAX_BYTES = 1_000_000


def transcript_payload(row: Any, credential: JsonObject) -> JsonObject:
    return {"agreement": row.home_id, "version": row.version, "sha256": row.sha256, "credential": credential}


def transcript_reason(row: Any) -> str:
    """Why the learner's names and results go home, recorded in the outbox (she has no account on the host's node, so
    there is no person there to record a PersonalDataSent row for)."""
    nomination = row.nomination
    return (f"the host's evaluation and transcript of records of agreement {row.home_id} version {row.version}, back to the learner's "
            f"home node {nomination.home_node} for recognition")


def mobility_transcript(*, peer: Any, payload: JsonObject) -> None:
    """The host, on the sender's node, sends its signed transcript of an agreement made here."""
    credential = payload.get("credential")
    if not isinstance(credential, dict):
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "credential is the host's signed transcript (a JSON object)")
    try:  # the credentials engine's input limits (depth, values), and a size fit for a transcript
        check_depth(credential)
        size = len(json.dumps(credential, ensure_ascii=False, allow_nan=False).encode())
    except (ValueError, TypeError, InputError) as error:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, "the credential is not plain JSON within the limits") from error
    if size > CREDENTIAL_MAX_BYTES:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"the credential is larger than {CREDENTIAL_MAX_BYTES} bytes")
    pk = _id(_text(payload, "agreement"))
    host_id = mobility_services.agreement_host_id(pk) if pk is not None else None
    link = InstitutionLink.objects.filter(peer=peer, institution_id=host_id).first() if host_id is not None else None
    if pk is None or link is None:
        raise Refused(422, RefusalCode.NOT_HOME, "no agreement with a host of this node was made here")
    try:
        mobility_services.host_transcript_receive(node=peer.node_id, agreement_id=pk, version=_number(payload, "version"), sha256=_text(payload, "sha256"),
                                                  credential=credential, issuer_suffix=f":issuers:{link.remote_id}")
    except ValidationFailed as error:
        raise Refused(400, RefusalCode.INVALID_MESSAGE, f"{error.message} {error.errors}"[:500]) from error
    except DomainError as error:
        raise _refusal(error) from error


def share_transcript(*, change: str, remote: Any = None, credential: JsonObject | None = None, **signal: object) -> list[Any]:
    """The receiver of `ortaq.mobility.services.transcript_shared`, in the mobility service's transaction: the host's
    signed transcript goes to the agreement's home node. Its issuer's DID document and status lists were queued to
    every peer when the issuer was made (or the peer trusted), so they arrive first."""
    from .selectors import peer_by_node
    from .services import outbox_enqueue

    peer = peer_by_node(remote.nomination.home_node) if change == "sent" and remote is not None else None
    if peer is None or credential is None:
        return []
    return [outbox_enqueue(peer=peer, kind=TRANSCRIPT, payload=transcript_payload(remote, credential), reason=transcript_reason(remote))]
