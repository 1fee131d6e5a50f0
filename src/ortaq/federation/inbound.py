"""The checks every server-to-server request passes before a view acts on it, and the signed answers."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from ortaq.engines import httpsig

from . import keys
from .selectors import peer_for_key, resolve_peer_key
from .services import Refused, nonce_seen
from .types import JsonObject, RefusalCode

# What a failed signature check means for the peer's operator (codes of ortaq.engines.httpsig).
_SIGNATURE_REFUSALS = {
    "missing_signature": (401, RefusalCode.UNSIGNED),
    "stale_signature": (401, RefusalCode.STALE), "future_signature": (401, RefusalCode.STALE),
    "replayed_signature": (409, RefusalCode.REPLAY),
    "unknown_key": (403, RefusalCode.UNTRUSTED),
}  # every other code (bad_signature, bad_digest, malformed_signature, missing_component, ...): 401 bad_signature


def target_uri(request: HttpRequest) -> str:
    """The URL the peer signed: this node's public address (its id) and the path, whatever the proxy did to Host."""
    return keys.node_id() + request.get_full_path()


def verified_peer(request: HttpRequest):
    """The trusted peer that signed this request (method, target URI, content digest, creation time, nonce),
    or Refused with the reason."""
    if "signature" not in request.headers or "signature-input" not in request.headers:
        raise Refused(401, RefusalCode.UNSIGNED, "server-to-server requests must carry an HTTP message signature (RFC 9421)")
    try:
        verified = httpsig.verify_request(method=request.method or "POST", url=target_uri(request), headers=dict(request.headers),
                                          body=request.body, resolve_key=resolve_peer_key, seen_nonce=nonce_seen)
    except httpsig.SignatureError as error:
        status, code = _SIGNATURE_REFUSALS.get(str(error.code), (401, RefusalCode.BAD_SIGNATURE))
        raise Refused(status, code, f"signature refused: {error.code}") from error
    found = peer_for_key(verified.key_id)
    if found is None:  # resolve_key found it a moment ago; the peer was removed in between
        raise Refused(403, RefusalCode.UNTRUSTED, "this node does not trust the signing node")
    return found[0]


def signed_json(request: HttpRequest, data: JsonObject, status: int = 200) -> HttpResponse:
    """A JSON answer signed with this node's current key and bound to the request's signature."""
    body = json.dumps(data, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    key = keys.current_key()
    headers = httpsig.sign_response(status=status, headers={"Content-Type": "application/json"}, body=body, key_id=keys.key_id(key),
                                    private_key=keys.private_key(key), request_signature=request.headers.get("signature"))
    for name, value in headers.items():
        response[name] = value
    return response


def refusal(request: HttpRequest, refused: Refused) -> HttpResponse:
    return signed_json(request, {"code": str(refused.code), "detail": refused.detail}, status=refused.status)
