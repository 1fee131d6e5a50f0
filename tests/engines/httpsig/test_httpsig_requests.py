"""A request signed by the Kazakh node is accepted by the Chinese node, and every kind of tampering,
staleness or replay is refused with its own code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from httpsig_nodes import AGREEMENT, INBOX, KZ_KEY_ID, NOW, NonceBook, Nodes

from ortaq.engines import httpsig
from ortaq.engines.httpsig.components import normalize_headers
from ortaq.engines.httpsig.structured import InnerList, parse_dictionary

JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def _signed(nodes: Nodes, *, method: str = "POST", url: str = INBOX, body: bytes = AGREEMENT, **kw: Any) -> dict[str, str]:
    kw.setdefault("created", NOW)
    added = httpsig.sign_request(
        method=method, url=url, headers=JSON, body=body, key_id=KZ_KEY_ID, private_key=nodes.kz, **kw
    )
    return {**JSON, **added}


def _verify(nodes: Nodes, headers: dict[str, str], **kw: Any) -> httpsig.Verified:
    args: dict[str, Any] = {"method": "POST", "url": INBOX, "body": AGREEMENT, "resolve_key": nodes.resolve, "now": NOW}
    args.update(kw)
    return httpsig.verify_request(headers=headers, **args)


def _hand_signed(nodes: Nodes, headers: dict[str, str], signature_input: str) -> dict[str, str]:
    """The request re-signed by the Kazakh key over a Signature-Input written by hand (as another
    RFC 9421 implementation might)."""
    (label, params), = parse_dictionary(signature_input).items()
    assert isinstance(params, InnerList)
    message = httpsig.Message(headers=normalize_headers(headers), method="POST", url=INBOX)
    signature = nodes.kz.sign(httpsig.signature_base(message, params))
    return {**headers, "Signature-Input": signature_input, "Signature": f"{label}=:{base64.b64encode(signature).decode()}:"}


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(httpsig.SignatureError) as caught:
        call()
    return caught.value.code


def test_a_signed_post_verifies_and_says_who_signed_it_when_and_what_it_covers(nodes: Nodes) -> None:
    verified = _verify(nodes, _signed(nodes, nonce="n-1"))
    assert verified == httpsig.Verified(
        key_id=KZ_KEY_ID,
        created=NOW,
        nonce="n-1",
        label="ortaq",
        covered=("@method", "@target-uri", "content-digest", "content-type"),
    )


def test_the_signer_adds_exactly_content_digest_signature_input_and_signature(nodes: Nodes) -> None:
    added = httpsig.sign_request(
        method="POST", url=INBOX, headers=JSON, body=AGREEMENT, key_id=KZ_KEY_ID, private_key=nodes.kz,
        created=NOW, nonce="abc",
    )
    assert set(added) == {"Content-Digest", "Signature-Input", "Signature"}
    assert added["Content-Digest"] == httpsig.content_digest(AGREEMENT)
    assert added["Signature-Input"] == (
        f'ortaq=("@method" "@target-uri" "content-digest" "content-type");created={NOW}'
        f';keyid="{KZ_KEY_ID}";alg="ed25519";nonce="abc"'
    )


def test_a_fresh_random_nonce_is_chosen_for_every_request(nodes: Nodes) -> None:
    nonces = set()
    for _ in range(20):
        member = parse_dictionary(_signed(nodes)["Signature-Input"])["ortaq"]
        assert isinstance(member, InnerList)
        nonces.add(member.param("nonce"))
    assert len(nonces) == 20 and all(isinstance(n, str) and len(n) >= 22 for n in nonces)


def test_a_get_without_a_body_still_carries_and_covers_the_digest_of_empty_content(nodes: Nodes) -> None:
    url = "https://cn.ortaq.example/api/v1/federation/outbox?since=2026-12-01T00:00:00Z&limit=50"
    headers = _signed(nodes, method="GET", url=url, body=b"")
    assert headers["Content-Digest"] == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    assert _verify(nodes, headers, method="GET", url=url, body=b"").covered[:3] == (
        "@method", "@target-uri", "content-digest",
    )


def test_header_names_are_matched_without_regard_to_case(nodes: Nodes) -> None:
    headers = {name.upper(): value for name, value in _signed(nodes).items()}
    assert _verify(nodes, headers).key_id == KZ_KEY_ID
    lower = {name.lower(): value for name, value in _signed(nodes).items()}
    assert _verify(nodes, lower).key_id == KZ_KEY_ID


def test_a_tampered_body_is_refused_as_bad_digest(nodes: Nodes) -> None:
    headers = _signed(nodes)
    assert _code(lambda: _verify(nodes, headers, body=AGREEMENT.replace(b"CN-0042", b"CN-0043"))) == "bad_digest"


def test_a_body_and_digest_swapped_together_are_refused_as_bad_signature(nodes: Nodes) -> None:
    forged = b'{"type": "agreement.approved"}'
    headers = {**_signed(nodes), "Content-Digest": httpsig.content_digest(forged)}
    assert _code(lambda: _verify(nodes, headers, body=forged)) == "bad_signature"


@pytest.mark.parametrize(
    "change",
    [
        {"method": "PUT"},
        {"method": "post"},
        {"url": "https://cn.ortaq.example/api/v1/federation/inbox/"},
        {"url": "https://cn.ortaq.example/api/v1/federation/inbox?x=1"},
        {"url": "http://cn.ortaq.example/api/v1/federation/inbox"},
        {"url": "https://evil.example/api/v1/federation/inbox"},
    ],
)
def test_a_request_replayed_to_another_method_or_url_is_refused_as_bad_signature(
    nodes: Nodes, change: dict[str, str]
) -> None:
    assert _code(lambda: _verify(nodes, _signed(nodes), **change)) == "bad_signature"


def test_a_changed_content_type_is_refused_as_bad_signature(nodes: Nodes) -> None:
    headers = {**_signed(nodes), "Content-Type": "text/plain"}
    assert _code(lambda: _verify(nodes, headers)) == "bad_signature"


def test_headers_the_signature_does_not_cover_may_change_on_the_way(nodes: Nodes) -> None:
    headers = {**_signed(nodes), "Accept": "*/*", "X-Forwarded-For": "10.0.0.1"}
    assert _verify(nodes, headers).key_id == KZ_KEY_ID


def test_a_signature_made_with_another_key_is_refused_as_bad_signature(nodes: Nodes) -> None:
    headers = {**JSON, **httpsig.sign_request(
        method="POST", url=INBOX, headers=JSON, body=AGREEMENT, key_id=KZ_KEY_ID,
        private_key=Ed25519PrivateKey.generate(), created=NOW,
    )}
    assert _code(lambda: _verify(nodes, headers)) == "bad_signature"


def test_a_keyid_the_node_does_not_trust_is_refused_as_unknown_key(nodes: Nodes) -> None:
    headers = {**JSON, **httpsig.sign_request(
        method="POST", url=INBOX, headers=JSON, body=AGREEMENT, key_id="https://rogue.example/#k",
        private_key=nodes.kz, created=NOW,
    )}
    assert _code(lambda: _verify(nodes, headers)) == "unknown_key"


@pytest.mark.parametrize("dropped", ["Signature", "Signature-Input"])
def test_a_request_without_its_signature_headers_is_refused_as_missing_signature(nodes: Nodes, dropped: str) -> None:
    headers = _signed(nodes)
    del headers[dropped]
    assert _code(lambda: _verify(nodes, headers)) == "missing_signature"


def test_an_unsigned_request_is_refused_as_missing_signature(nodes: Nodes) -> None:
    assert _code(lambda: _verify(nodes, dict(JSON))) == "missing_signature"


def test_a_request_whose_content_digest_header_was_stripped_is_refused_as_missing_digest(nodes: Nodes) -> None:
    headers = _signed(nodes)
    del headers["Content-Digest"]
    assert _code(lambda: _verify(nodes, headers)) == "missing_digest"


def test_a_covered_header_that_was_stripped_is_refused_as_missing_component(nodes: Nodes) -> None:
    headers = _signed(nodes)
    del headers["Content-Type"]
    assert _code(lambda: _verify(nodes, headers)) == "missing_component"


def test_a_signature_that_does_not_cover_a_required_component_is_refused_as_missing_component(nodes: Nodes) -> None:
    # A peer signing only the method (a valid RFC 9421 signature) does not bind the URL or the body.
    headers = _hand_signed(nodes, _signed(nodes), f'ortaq=("@method");created={NOW};keyid="{KZ_KEY_ID}"')
    assert _code(lambda: _verify(nodes, headers)) == "missing_component"
    assert _verify(nodes, headers, required=("@method",)).covered == ("@method",)


def test_a_signature_older_than_max_age_is_refused_as_stale(nodes: Nodes) -> None:
    headers = _signed(nodes, created=NOW - 301)
    assert _code(lambda: _verify(nodes, headers)) == "stale_signature"
    assert _verify(nodes, _signed(nodes, created=NOW - 300)).created == NOW - 300
    assert _verify(nodes, headers, max_age=600).created == NOW - 301


def test_a_signature_dated_beyond_the_allowed_clock_skew_is_refused_as_future(nodes: Nodes) -> None:
    assert _code(lambda: _verify(nodes, _signed(nodes, created=NOW + 31))) == "future_signature"
    assert _verify(nodes, _signed(nodes, created=NOW + 30)).created == NOW + 30


def test_the_same_signed_request_delivered_twice_is_refused_as_replayed(nodes: Nodes, nonce_book: NonceBook) -> None:
    headers = _signed(nodes)
    assert _verify(nodes, headers, seen_nonce=nonce_book).nonce is not None
    assert _code(lambda: _verify(nodes, headers, seen_nonce=nonce_book)) == "replayed_signature"


def test_a_forged_request_does_not_use_up_the_nonce_of_the_honest_one(nodes: Nodes, nonce_book: NonceBook) -> None:
    honest = _signed(nodes, nonce="shared-nonce")
    forged = {**honest, "Content-Type": "text/plain"}
    assert _code(lambda: _verify(nodes, forged, seen_nonce=nonce_book)) == "bad_signature"
    assert _verify(nodes, honest, seen_nonce=nonce_book).nonce == "shared-nonce"


def test_when_replays_are_checked_a_signature_without_a_nonce_is_refused(nodes: Nodes, nonce_book: NonceBook) -> None:
    # The RFC's own B.2.6 vector has no nonce; Ortaq's receivers that keep a nonce book require one.
    headers = _hand_signed(
        nodes, _signed(nodes), f'ortaq=("@method" "@target-uri" "content-digest");created={NOW};keyid="{KZ_KEY_ID}"'
    )
    assert _verify(nodes, headers).nonce is None
    assert _code(lambda: _verify(nodes, headers, seen_nonce=nonce_book)) == "missing_component"


def test_an_expires_parameter_in_the_past_makes_the_signature_stale(nodes: Nodes) -> None:
    headers = _hand_signed(
        nodes,
        _signed(nodes),
        f'ortaq=("@method" "@target-uri" "content-digest");created={NOW - 10};expires={NOW - 1};keyid="{KZ_KEY_ID}"',
    )
    assert _code(lambda: _verify(nodes, headers)) == "stale_signature"
    assert _verify(nodes, headers, now=NOW - 2).created == NOW - 10


def test_another_label_is_chosen_by_name_and_a_missing_label_is_refused(nodes: Nodes) -> None:
    headers = _signed(nodes, label="kz-node")
    assert _verify(nodes, headers).label == "kz-node"
    assert _verify(nodes, headers, label="kz-node").label == "kz-node"
    assert _code(lambda: _verify(nodes, headers, label="ortaq")) == "missing_signature"


def test_a_proxy_signature_beside_ortaqs_own_is_ignored_and_ortaqs_is_verified(nodes: Nodes) -> None:
    headers = _signed(nodes)
    headers["Signature-Input"] = 'proxy=("@method");created=1;keyid="edge"' + ", " + headers["Signature-Input"]
    headers["Signature"] = "proxy=:" + "A" * 86 + "==:, " + headers["Signature"]
    assert _verify(nodes, headers).label == "ortaq"


def test_several_foreign_signatures_without_an_ortaq_label_are_refused_rather_than_guessed(nodes: Nodes) -> None:
    a, b = _signed(nodes, label="a"), _signed(nodes, label="b")
    headers = {**a, "Signature-Input": a["Signature-Input"] + ", " + b["Signature-Input"],
               "Signature": a["Signature"] + ", " + b["Signature"]}
    assert _code(lambda: _verify(nodes, headers)) == "malformed_signature"
    assert _verify(nodes, headers, label="a").label == "a"


def test_an_unsupported_algorithm_parameter_is_refused(nodes: Nodes) -> None:
    headers = _signed(nodes)
    headers["Signature-Input"] = headers["Signature-Input"].replace('alg="ed25519"', 'alg="hmac-sha256"')
    assert _code(lambda: _verify(nodes, headers)) == "malformed_signature"


def test_signing_with_a_label_or_keyid_that_is_not_a_structured_field_is_a_programming_error(nodes: Nodes) -> None:
    with pytest.raises(ValueError):
        _signed(nodes, label="Ortaq")
    with pytest.raises(ValueError):
        httpsig.sign_request(method="POST", url=INBOX, headers={}, body=b"", key_id="ключ", private_key=nodes.kz)
