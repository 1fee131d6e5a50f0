"""The Chinese node's answer is signed too, and bound to the Kazakh node's request: a response
cannot be tampered with, replayed for another request, or separated from the request it answers."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from httpsig_nodes import AGREEMENT, CN_KEY_ID, INBOX, KZ_KEY_ID, NOW, Nodes

from ortaq.engines import httpsig
from ortaq.engines.httpsig.components import Message
from ortaq.engines.httpsig.structured import InnerList, Item, serialize_inner_list

ACCEPTED = b'{"status": "accepted", "id": "CN-AGR-2026-0007"}'
JSON = {"Content-Type": "application/json"}


def _request_signature(nodes: Nodes, body: bytes = AGREEMENT) -> str:
    return httpsig.sign_request(
        method="POST", url=INBOX, headers=JSON, body=body, key_id=KZ_KEY_ID, private_key=nodes.kz, created=NOW
    )["Signature"]


def _response(nodes: Nodes, request_signature: str | None, status: int = 202, body: bytes = ACCEPTED) -> dict[str, str]:
    added = httpsig.sign_response(
        status=status, headers=JSON, body=body, key_id=CN_KEY_ID, private_key=nodes.cn,
        request_signature=request_signature, created=NOW + 1,
    )
    return {**JSON, **added}


def _verify(nodes: Nodes, headers: dict[str, str], **kw: Any) -> httpsig.Verified:
    args: dict[str, Any] = {"status": 202, "body": ACCEPTED, "resolve_key": nodes.resolve, "now": NOW + 2}
    args.update(kw)
    return httpsig.verify_response(headers=headers, **args)


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(httpsig.SignatureError) as caught:
        call()
    return caught.value.code


def test_a_response_bound_to_its_request_verifies_and_names_the_binding(nodes: Nodes) -> None:
    request_signature = _request_signature(nodes)
    verified = _verify(nodes, _response(nodes, request_signature), request_signature=request_signature)
    assert verified.key_id == CN_KEY_ID and verified.created == NOW + 1 and verified.nonce is None
    assert verified.covered == ("@status", "content-digest", "content-type", 'signature;key="ortaq";req')


def test_the_response_signature_input_covers_the_requests_signature_with_the_req_flag(nodes: Nodes) -> None:
    headers = _response(nodes, _request_signature(nodes))
    assert headers["Signature-Input"].startswith(
        'ortaq=("@status" "content-digest" "content-type" "signature";key="ortaq";req);created='
    )


def test_a_response_replayed_to_another_request_is_refused_as_bad_signature(nodes: Nodes) -> None:
    first = _request_signature(nodes)
    second = _request_signature(nodes, body=AGREEMENT + b" ")
    headers = _response(nodes, first)
    assert _code(lambda: _verify(nodes, headers, request_signature=second)) == "bad_signature"


def test_an_unbound_response_is_refused_when_the_caller_expects_a_binding(nodes: Nodes) -> None:
    headers = _response(nodes, None)
    assert _verify(nodes, headers).covered == ("@status", "content-digest", "content-type")
    assert _code(lambda: _verify(nodes, headers, request_signature=_request_signature(nodes))) == "missing_component"


def test_a_bound_response_cannot_be_checked_without_the_request_it_names(nodes: Nodes) -> None:
    headers = _response(nodes, _request_signature(nodes))
    assert _code(lambda: _verify(nodes, headers)) == "missing_component"


def test_a_changed_status_is_refused_as_bad_signature(nodes: Nodes) -> None:
    request_signature = _request_signature(nodes)
    headers = _response(nodes, request_signature)
    assert _code(lambda: _verify(nodes, headers, status=200, request_signature=request_signature)) == "bad_signature"


def test_a_tampered_response_body_is_refused_as_bad_digest(nodes: Nodes) -> None:
    headers = _response(nodes, None)
    assert _code(lambda: _verify(nodes, headers, body=b'{"status": "rejected"}')) == "bad_digest"


def test_a_response_signed_by_the_requesting_nodes_own_key_is_not_taken_for_the_peers(nodes: Nodes) -> None:
    headers = {**JSON, **httpsig.sign_response(
        status=202, headers=JSON, body=ACCEPTED, key_id=CN_KEY_ID, private_key=nodes.kz, created=NOW
    )}
    assert _code(lambda: _verify(nodes, headers)) == "bad_signature"


def test_a_stale_or_future_response_is_refused(nodes: Nodes) -> None:
    headers = _response(nodes, None)
    assert _code(lambda: _verify(nodes, headers, now=NOW + 1 + 301)) == "stale_signature"
    assert _code(lambda: _verify(nodes, headers, now=NOW + 1 - 31)) == "future_signature"


def test_a_response_without_a_signature_is_refused_as_missing_signature(nodes: Nodes) -> None:
    headers = {**JSON, "Content-Digest": httpsig.content_digest(ACCEPTED)}
    assert _code(lambda: _verify(nodes, headers)) == "missing_signature"


def test_a_request_signature_header_is_not_accepted_as_a_response_signature(nodes: Nodes) -> None:
    # The request covers @method and @target-uri, which a response does not have, and not @status.
    added = httpsig.sign_request(
        method="POST", url=INBOX, headers=JSON, body=ACCEPTED, key_id=CN_KEY_ID, private_key=nodes.cn, created=NOW
    )
    assert _code(lambda: _verify(nodes, {**JSON, **added})) == "missing_component"


def test_a_status_that_is_not_three_digits_is_refused(nodes: Nodes) -> None:
    with pytest.raises(httpsig.SignatureError):
        _response(nodes, None, status=42)


def test_request_components_flagged_req_take_their_values_from_the_request() -> None:
    # RFC 9421 section 2.4: with `req`, "@method", "@path" and fields come from the request.
    request = Message(headers={"content-type": "application/json"}, method="POST", url="https://example.com/foo?x=1")
    response = Message(headers={"content-type": "text/plain"}, status=503, request=request)
    params = InnerList(
        (Item("@status"), Item("content-type"), Item("@method", (("req", True),)), Item("@path", (("req", True),)),
         Item("content-type", (("req", True),))),
        (("created", 1618884479), ("keyid", "test-key-ed25519")),
    )
    assert httpsig.signature_base(response, params).decode().split("\n")[:5] == [
        '"@status": 503',
        '"content-type": text/plain',
        '"@method";req: POST',
        '"@path";req: /foo',
        '"content-type";req: application/json',
    ]


@pytest.mark.parametrize("hostile", ["", "ortaq=(", "a=:AAAA:, b=:AAAA:", "ortaq=:" + "A" * 10_000 + ":", "подпись"])
def test_the_refusal_of_a_request_with_an_unusable_signature_is_still_signed_but_bound_to_nothing(
    nodes: Nodes, hostile: str
) -> None:
    headers = _response(nodes, hostile, status=401)
    assert _verify(nodes, headers, status=401).covered == ("@status", "content-digest", "content-type")
    assert _code(lambda: _verify(nodes, headers, status=401, request_signature=_request_signature(nodes))) == (
        "missing_component"
    )


def test_a_response_that_also_covers_request_components_verifies_when_the_request_is_described(nodes: Nodes) -> None:
    # Other RFC 9421 implementations may bind a response with "@method";req and the like.
    request_signature = _request_signature(nodes)
    request = Message(headers={"signature": request_signature}, method="POST", url=INBOX)
    params = InnerList(
        (Item("@status"), Item("content-digest"), Item("@method", (("req", True),)),
         Item("@target-uri", (("req", True),)), Item("signature", (("req", True), ("key", "ortaq")))),
        (("created", NOW), ("keyid", CN_KEY_ID)),
    )
    fields = {"content-digest": httpsig.content_digest(ACCEPTED)}
    signature = nodes.cn.sign(httpsig.signature_base(Message(headers=fields, status=202, request=request), params))
    headers = {**fields, "Signature-Input": "peer=" + serialize_inner_list(params),
               "Signature": f"peer=:{base64.b64encode(signature).decode()}:"}
    assert _code(lambda: _verify(nodes, headers, request_signature=request_signature)) == "missing_component"
    verified = _verify(nodes, headers, request_signature=request_signature, request_method="POST", request_url=INBOX)
    assert verified.label == "peer" and "@method;req" in verified.covered
    assert _code(lambda: _verify(nodes, headers, request_signature=request_signature, request_method="GET",
                                 request_url=INBOX)) == "bad_signature"
