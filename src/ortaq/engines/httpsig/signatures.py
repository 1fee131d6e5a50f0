"""Sign and verify requests and responses between Ortaq nodes (RFC 9421 with Ed25519, RFC 9530).

Every signed message covers its Content-Digest (even an empty body has one), so one `required`
set fits GET and POST alike, and a tampered body fails with `bad_digest` rather than a bare
`bad_signature`. Checks run cheapest first (parse, parameters, clock, coverage), then the key is
resolved and the signature verified, and only a verified signature records its nonce: a forger
must not be able to burn the nonces of honest messages.

Responses are bound to the request they answer by covering the request's own signature,
`"signature";key="<label>";req` (RFC 9421 section 2.4): a replayed or swapped response then fails,
because its base names a signature the new request does not carry.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .components import Message, check_covered, component_name, describe, normalize_headers, signature_base
from .digest import check_content_digest, content_digest
from .errors import SignatureError
from .structured import (
    BareItem,
    InnerList,
    Item,
    Member,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_bare_item,
    serialize_key,
)

ALG = "ed25519"
DEFAULT_LABEL = "ortaq"
# Limits on what a peer may send before any work is done: real Ortaq headers are ~300 characters.
MAX_HEADER_LENGTH = 8192
MAX_SIGNATURES = 8
MAX_COMPONENTS = 32
REQUEST_REQUIRED = ("@method", "@target-uri", "content-digest")
RESPONSE_REQUIRED = ("@status", "content-digest")

KeyResolver = Callable[[str], Ed25519PublicKey | None]


@dataclass(frozen=True)
class Verified:
    """What a verified signature vouches for. `covered` names the components as in `required`:
    `@method`, `content-digest`, or with parameters `signature;key="ortaq";req`."""

    key_id: str
    created: int
    nonce: str | None
    label: str
    covered: tuple[str, ...]


# --------------------------------------------------------------------------- signing


def sign_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key_id: str,
    private_key: Ed25519PrivateKey,
    created: int | None = None,
    nonce: str | None = None,
    label: str = DEFAULT_LABEL,
) -> dict[str, str]:
    """The headers to add to the request: Content-Digest, Signature-Input and Signature."""
    fields = normalize_headers(headers)
    fields["content-digest"] = content_digest(body)
    covered = ["@method", "@target-uri", "content-digest"]
    if "content-type" in fields:
        covered.append("content-type")
    params: list[tuple[str, BareItem]] = [
        ("created", _now() if created is None else created),
        ("keyid", key_id),
        ("alg", ALG),
        ("nonce", secrets.token_urlsafe(16) if nonce is None else nonce),
    ]
    message = Message(headers=fields, method=method, url=url)
    return {"Content-Digest": fields["content-digest"], **_sign(message, covered, params, label, private_key)}


def sign_response(
    *,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    key_id: str,
    private_key: Ed25519PrivateKey,
    request_signature: str | None = None,
    created: int | None = None,
    label: str = DEFAULT_LABEL,
    request_label: str | None = None,
) -> dict[str, str]:
    """The headers to add to the response. With `request_signature` (the request's Signature
    header) the response is bound to that request's signature labelled `request_label` (by default
    "ortaq", or the only one present).

    A request whose Signature header is unusable (malformed, or several labels and none chosen) gets
    an unbound answer instead of an exception, so that the refusal of a hostile request can still be
    signed. That answer cannot pass for an answer to anyone else's request: `verify_response` with
    `request_signature` demands the binding."""
    fields = normalize_headers(headers)
    fields["content-digest"] = content_digest(body)
    covered: list[str | Item] = ["@status", "content-digest"]
    if "content-type" in fields:
        covered.append("content-type")
    request = None
    chosen = _bindable_label(request_signature, request_label)
    if request_signature is not None and chosen is not None:
        request = Message(headers={"signature": request_signature})
        covered.append(Item("signature", (("key", chosen), ("req", True))))
    params: list[tuple[str, BareItem]] = [("created", _now() if created is None else created), ("keyid", key_id), ("alg", ALG)]
    message = Message(headers=fields, status=_status(status), request=request)
    return {"Content-Digest": fields["content-digest"], **_sign(message, covered, params, label, private_key)}


def _bindable_label(request_signature: str | None, request_label: str | None) -> str | None:
    if request_signature is None:
        return None
    try:
        return _choose_label(_parse_signature_field(request_signature, "Signature"), request_label)
    except SignatureError:
        return None


def _sign(
    message: Message,
    covered: Sequence[str | Item],
    params: list[tuple[str, BareItem]],
    label: str,
    private_key: Ed25519PrivateKey,
) -> dict[str, str]:
    try:
        serialize_key(label)
        for _, value in params:
            serialize_bare_item(value)
    except StructuredFieldError as exc:
        raise ValueError(f"cannot sign: {exc}") from exc
    items = tuple(c if isinstance(c, Item) else Item(c) for c in covered)
    signature_params = InnerList(items, tuple(params))
    base = signature_base(message, signature_params)
    signature = private_key.sign(base)
    # The serialised inner list is the last line of the base after '"@signature-params": '.
    serialized = base.rsplit(b"\n", 1)[-1].split(b": ", 1)[1].decode("ascii")
    return {
        "Signature-Input": f"{label}={serialized}",
        "Signature": f"{label}=:{base64.b64encode(signature).decode('ascii')}:",
    }


# --------------------------------------------------------------------------- verification


def verify_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    resolve_key: KeyResolver,
    now: int | None = None,
    max_age: int = 300,
    max_skew: int = 30,
    seen_nonce: Callable[[str, str], bool] | None = None,
    required: Sequence[str] = REQUEST_REQUIRED,
    label: str | None = None,
) -> Verified:
    """Verify a request or raise SignatureError. `seen_nonce(key_id, nonce)` returns True when the
    pair was seen before and records it; when given, a signature without a nonce is refused."""
    message = Message(headers=normalize_headers(headers), method=method, url=url)
    verified, _ = _verify(
        message, body=body, resolve_key=resolve_key, now=now, max_age=max_age, max_skew=max_skew,
        required=required, label=label,
    )
    if seen_nonce is not None:
        if verified.nonce is None:
            raise SignatureError("missing_component", "the signature has no nonce, so a replay cannot be told")
        if seen_nonce(verified.key_id, verified.nonce):
            raise SignatureError("replayed_signature", "this nonce was already used with this key")
    return verified


def verify_response(
    *,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    resolve_key: KeyResolver,
    now: int | None = None,
    max_age: int = 300,
    max_skew: int = 30,
    request_signature: str | None = None,
    required: Sequence[str] = RESPONSE_REQUIRED,
    label: str | None = None,
    request_method: str | None = None,
    request_url: str | None = None,
) -> Verified:
    """Verify a response or raise SignatureError. With `request_signature` (the Signature header
    this node sent) the response must also cover that signature, so it answers this request.
    `request_method` and `request_url` serve responses (from other implementations) that also
    cover request components such as `"@method";req`."""
    request = None
    if request_signature is not None or request_method is not None or request_url is not None:
        request_headers = {"signature": request_signature} if request_signature is not None else {}
        request = Message(headers=request_headers, method=request_method, url=request_url)
    message = Message(headers=normalize_headers(headers), status=_status(status), request=request)
    verified, items = _verify(
        message, body=body, resolve_key=resolve_key, now=now, max_age=max_age, max_skew=max_skew,
        required=required, label=label,
    )
    if request_signature is not None and not any(
        component_name(item) == "signature" and item.param("req") is True for item in items
    ):
        raise SignatureError("missing_component", "the response is not bound to the request's signature")
    return verified


def _verify(
    message: Message,
    *,
    body: bytes,
    resolve_key: KeyResolver,
    now: int | None,
    max_age: int,
    max_skew: int,
    required: Sequence[str],
    label: str | None,
) -> tuple[Verified, tuple[Item, ...]]:
    fields = message.headers
    if "signature-input" not in fields or "signature" not in fields:
        raise SignatureError("missing_signature", "no Signature-Input or Signature header")
    inputs = _parse_signature_field(fields["signature-input"], "Signature-Input")
    signatures = _parse_signature_field(fields["signature"], "Signature")
    chosen = _choose_label(inputs, label)
    if chosen not in signatures:
        raise SignatureError("missing_signature", f"no Signature for label {chosen!r}")
    signature_params, signature = inputs[chosen], signatures[chosen]
    if not isinstance(signature_params, InnerList) or len(signature_params.items) > MAX_COMPONENTS:
        raise SignatureError("malformed_signature", "Signature-Input members are inner lists of components")
    if not isinstance(signature, Item) or not isinstance(signature.value, bytes) or len(signature.value) != 64:
        raise SignatureError("malformed_signature", "an Ed25519 signature is a 64-byte byte sequence")
    check_covered(signature_params.items)
    key_id, created, nonce, expires = _parameters(signature_params)

    current = _now() if now is None else now
    if created > current + max_skew:
        raise SignatureError("future_signature", f"created {created - current} s in the future")
    if current - created > max_age or (expires is not None and current > expires):
        raise SignatureError("stale_signature", f"created {current - created} s ago")

    covered = tuple(describe(item) for item in signature_params.items)
    if "content-digest" in required and "content-digest" not in fields:
        raise SignatureError("missing_digest", "no Content-Digest header")
    missing = [name for name in required if name not in covered]
    if missing:
        raise SignatureError("missing_component", f"the signature does not cover {', '.join(missing)}")

    public_key = resolve_key(key_id)
    if not isinstance(public_key, Ed25519PublicKey):
        raise SignatureError("unknown_key", f"no Ed25519 key is known for keyid {key_id!r}")
    base = signature_base(message, signature_params)
    try:
        public_key.verify(signature.value, base)
    except InvalidSignature as exc:
        raise SignatureError("bad_signature", "the signature does not match the message") from exc
    if "content-digest" in fields:
        check_content_digest(fields["content-digest"], body)
    verified = Verified(key_id=key_id, created=created, nonce=nonce, label=chosen, covered=covered)
    return verified, signature_params.items


def _parameters(signature_params: InnerList) -> tuple[str, int, str | None, int | None]:
    params = dict(signature_params.params)
    created, key_id = params.get("created"), params.get("keyid")
    nonce, alg, expires = params.get("nonce"), params.get("alg"), params.get("expires")
    if not isinstance(created, int) or isinstance(created, bool) or created < 0:
        raise SignatureError("malformed_signature", "created must be a non-negative integer")
    if not isinstance(key_id, str) or isinstance(key_id, Token) or not key_id:
        raise SignatureError("malformed_signature", "keyid must be a string")
    if alg is not None and (not _is_string(alg) or alg != ALG):
        raise SignatureError("malformed_signature", f"alg must be the string {ALG!r}")
    if nonce is not None and (not isinstance(nonce, str) or isinstance(nonce, Token)):
        raise SignatureError("malformed_signature", "nonce must be a string")
    if expires is not None and (not isinstance(expires, int) or isinstance(expires, bool)):
        raise SignatureError("malformed_signature", "expires must be an integer")
    return key_id, created, nonce, expires


def _is_string(value: object) -> bool:
    return isinstance(value, str) and not isinstance(value, Token)


def _parse_signature_field(text: str, name: str) -> dict[str, Member]:
    if len(text) > MAX_HEADER_LENGTH:
        raise SignatureError("malformed_signature", f"{name} is longer than {MAX_HEADER_LENGTH} characters")
    try:
        members = parse_dictionary(text)
    except StructuredFieldError as exc:
        raise SignatureError("malformed_signature", f"{name}: {exc}") from exc
    if not members:
        raise SignatureError("missing_signature", f"{name} is empty")
    if len(members) > MAX_SIGNATURES:
        raise SignatureError("malformed_signature", f"{name} has more than {MAX_SIGNATURES} members")
    return members


def _choose_label(members: Mapping[str, Member], label: str | None) -> str:
    # RFC 9421 section 3.2 leaves the choice to the verifier: the label asked for, else Ortaq's own,
    # else the only one. Guessing among several foreign ones is refused.
    if label is not None:
        if label not in members:
            raise SignatureError("missing_signature", f"no signature labelled {label!r}")
        return label
    if DEFAULT_LABEL in members:
        return DEFAULT_LABEL
    if len(members) == 1:
        return next(iter(members))
    raise SignatureError("malformed_signature", "several signatures and none labelled 'ortaq'")


def _status(status: int) -> int:
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 999:
        raise SignatureError("malformed_signature", "a status is a three-digit integer")
    return status


def _now() -> int:
    return int(time.time())


__all__ = [
    "ALG",
    "DEFAULT_LABEL",
    "Verified",
    "sign_request",
    "sign_response",
    "verify_request",
    "verify_response",
]
