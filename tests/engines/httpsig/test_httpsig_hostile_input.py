"""Whatever a hostile peer puts in its headers, verification ends in a SignatureError with a code,
quickly, and before any key is looked up or any signature checked when the input is malformed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from httpsig_nodes import AGREEMENT, INBOX, KZ_KEY_ID, NOW, Nodes

from ortaq.engines import httpsig

JSON = {"Content-Type": "application/json"}
SIG = "ortaq=:" + "A" * 86 + "==:"  # a well-formed 64-byte signature that verifies nothing


def _signed(nodes: Nodes, **kw: Any) -> dict[str, str]:
    return {**JSON, **httpsig.sign_request(
        method="POST", url=INBOX, headers=JSON, body=AGREEMENT, key_id=KZ_KEY_ID, private_key=nodes.kz,
        created=NOW, **kw,
    )}


class CountingResolver:
    def __init__(self, nodes: Nodes) -> None:
        self.nodes, self.calls = nodes, 0

    def __call__(self, key_id: str) -> Ed25519PublicKey | None:
        self.calls += 1
        return self.nodes.resolve(key_id)


def _refusal(nodes: Nodes, headers: dict[str, str], **kw: Any) -> tuple[str, int]:
    resolver = CountingResolver(nodes)
    args: dict[str, Any] = {"method": "POST", "url": INBOX, "body": AGREEMENT, "resolve_key": resolver, "now": NOW}
    args.update(kw)
    with pytest.raises(httpsig.SignatureError) as caught:
        httpsig.verify_request(headers=headers, **args)
    return caught.value.code, resolver.calls


def _with_input(nodes: Nodes, signature_input: str, signature: str = SIG) -> dict[str, str]:
    return {**_signed(nodes), "Signature-Input": signature_input, "Signature": signature}


P = f';created={NOW};keyid="{KZ_KEY_ID}"'


@pytest.mark.parametrize(
    "signature_input",
    [
        'ortaq=("@method" "@target-uri" "content-digest"' + P,  # unterminated inner list
        "ortaq=?1" + P,  # an item, not an inner list
        'ortaq=(@method "@target-uri" "content-digest")' + P,  # a token, not a string
        'ortaq=("@method" "@target-uri" "content-digest" "@bogus")' + P,  # unknown derived component
        'ortaq=("@method" "@target-uri" "content-digest" "@signature-params")' + P,
        'ortaq=("@method" "@target-uri" "content-digest" "@method")' + P,  # covered twice
        'ortaq=("@method" "@target-uri" "content-digest" "Content-Type")' + P,  # field names are lower case
        'ortaq=("@method";sf "@target-uri" "content-digest")' + P,  # sf on a derived component
        'ortaq=("@method" "@target-uri" "content-digest";tr)' + P,  # trailers are not supported
        'ortaq=("@method" "@target-uri" "content-digest";req=?0)' + P,  # flags are flags
        'ortaq=("@method" "@target-uri" "content-digest");keyid="k"',  # no created
        f'ortaq=("@method" "@target-uri" "content-digest");created="{NOW}";keyid="k"',
        'ortaq=("@method" "@target-uri" "content-digest");created=-1;keyid="k"',
        'ortaq=("@method" "@target-uri" "content-digest");created=?1;keyid="k"',
        f'ortaq=("@method" "@target-uri" "content-digest");created={NOW};keyid=k',  # keyid as a token
        f'ortaq=("@method" "@target-uri" "content-digest");created={NOW}',  # no keyid
        'ortaq=("@method" "@target-uri" "content-digest")' + P + ";alg=ed25519",  # alg as a token
        'ortaq=("@method" "@target-uri" "content-digest")' + P + ";nonce=?1",
        'ortaq=("@method" "@target-uri" "content-digest")' + P + ';expires="soon"',
        'ortaq=("@method" "@target-uri" "content-digest")' + P.replace("created", "Created"),
        'ortaq=("@method" "@target-uri" "content-digest")' + P + ";created=1",  # duplicate parameter
        'ortaq=("@method" "@target-uri" "content-digest")' + P + ', ortaq=("@method")' + P,  # duplicate label
        'ortaq=("@méthod" "@target-uri" "content-digest")' + P,  # not ASCII
        "ortaq=(" + " ".join(f'"x-h{i}"' for i in range(40)) + ")" + P,  # too many components
        ", ".join(f'l{i}=("@method")' + P for i in range(9)),  # too many signatures
        'ortaq=("@method" "@target-uri" "content-digest")' + P + "," * 5000,  # huge
        "(" * 100_000,  # huge and nested-looking
    ],
)
def test_a_malformed_signature_input_is_refused_before_any_key_is_looked_up(nodes: Nodes, signature_input: str) -> None:
    assert _refusal(nodes, _with_input(nodes, signature_input)) == ("malformed_signature", 0)


@pytest.mark.parametrize(
    "signature",
    [
        "ortaq=:AAAA:",  # three bytes, not 64
        "ortaq=:" + "A" * 88 + ":",  # 66 bytes
        'ortaq="' + "A" * 86 + '=="',  # a string, not a byte sequence
        "ortaq=:" + "A" * 86 + "=:",  # bad padding
        "ortaq=:" + "ж" * 86 + "==:",
        "ortaq",
        "ortaq=:" + "A" * 1_000_000 + ":",
    ],
)
def test_a_malformed_signature_value_is_refused_before_any_key_is_looked_up(nodes: Nodes, signature: str) -> None:
    headers = {**_signed(nodes), "Signature": signature}
    assert _refusal(nodes, headers) == ("malformed_signature", 0)


def test_a_stale_or_future_signature_is_refused_before_any_key_is_looked_up(nodes: Nodes) -> None:
    assert _refusal(nodes, _signed(nodes), now=NOW + 10_000) == ("stale_signature", 0)
    assert _refusal(nodes, _signed(nodes), now=NOW - 10_000) == ("future_signature", 0)


def test_a_header_value_that_spans_lines_cannot_forge_extra_lines_of_the_signature_base(nodes: Nodes) -> None:
    headers = {**_signed(nodes), "Content-Type": 'application/json\n"@method": GET'}
    assert _refusal(nodes, headers)[0] == "malformed_signature"


def test_a_covered_header_with_non_ascii_text_is_refused_rather_than_encoded_some_way(nodes: Nodes) -> None:
    headers = {**_signed(nodes), "Content-Type": "application/json; charset=utf-8; name=Қазақстан"}
    assert _refusal(nodes, headers)[0] == "malformed_signature"


def test_two_spellings_of_one_header_are_refused_as_ambiguous(nodes: Nodes) -> None:
    headers = {**_signed(nodes), "content-type": "text/plain"}
    assert _refusal(nodes, headers)[0] == "malformed_signature"


@pytest.mark.parametrize("url", ["/api/v1/federation/inbox", "https://[::1/inbox", "https://host:99999/x", "ftp:x"])
def test_a_target_uri_that_is_not_absolute_or_does_not_parse_is_refused(nodes: Nodes, url: str) -> None:
    assert _refusal(nodes, _signed(nodes), url=url)[0] == "malformed_signature"


@pytest.mark.parametrize(
    ("digest", "code"),
    [
        ("sha-256=:not base64:", "bad_digest"),
        ("sha-256=1", "bad_digest"),
        ("sha-256=:" + "A" * 10_000 + ":", "bad_digest"),
        ("md5=:rL0Y20zC+Fzt72VPzMSk2A==:", "missing_digest"),
        (httpsig.content_digest(b"other"), "bad_digest"),
    ],
)
def test_a_content_digest_that_is_unreadable_or_unsupported_is_refused(digest: str, code: str) -> None:
    with pytest.raises(httpsig.SignatureError) as caught:
        httpsig.check_content_digest(digest, AGREEMENT)
    assert caught.value.code == code


def test_every_supported_digest_in_the_header_must_match_not_just_one() -> None:
    good = httpsig.content_digest(AGREEMENT)
    httpsig.check_content_digest(good + ", md5=:AAAA:", AGREEMENT)  # unknown algorithms are ignored
    with pytest.raises(httpsig.SignatureError):
        httpsig.check_content_digest(good + ", " + httpsig.content_digest(b"x", "sha-512"), AGREEMENT)


def test_a_megabyte_of_header_is_refused_at_once_and_a_header_just_under_the_limit_parses_quickly(nodes: Nodes) -> None:
    # Generous bounds for a loaded shared machine; the point is that nothing grows faster than the input.
    headers = _with_input(nodes, 'ortaq=("' + "a" * 1_000_000 + '")' + P)
    start = time.perf_counter()
    assert _refusal(nodes, headers) == ("malformed_signature", 0)
    assert time.perf_counter() - start < 0.25
    near_limit = "ortaq=(" + " ".join(['"x"'] * 2000) + ")" + P  # ~8000 characters, 2000 items
    start = time.perf_counter()
    assert _refusal(nodes, _with_input(nodes, near_limit)) == ("malformed_signature", 0)
    assert time.perf_counter() - start < 0.25


def test_the_error_codes_are_the_pinned_list() -> None:
    assert httpsig.CODES == {
        "missing_signature", "malformed_signature", "unknown_key", "bad_signature", "bad_digest", "missing_digest",
        "stale_signature", "future_signature", "replayed_signature", "missing_component",
    }
    with pytest.raises(ValueError):
        httpsig.SignatureError("nope")


_header_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet='ortaq=();"@:,*?-.0123456789 abcdefghijklmnopqrstuvwxyzAQIDBA==', max_size=300),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(signature_input=_header_text, signature=_header_text)
def test_any_signature_headers_end_in_a_signature_error_and_never_a_crash(
    nodes: Nodes, signature_input: str, signature: str
) -> None:
    headers = {**_signed(nodes), "Signature-Input": signature_input, "Signature": signature}
    code, _ = _refusal(nodes, headers)
    assert code in httpsig.CODES


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_changing_any_one_character_of_a_signed_request_gets_it_refused(nodes: Nodes, data: st.DataObject) -> None:
    headers = _signed(nodes)
    fields: dict[str, Any] = {"method": "POST", "url": INBOX, "body": AGREEMENT, **headers}
    name = data.draw(st.sampled_from(sorted(fields)))
    original: str | bytes = fields[name]
    position = data.draw(st.integers(0, len(original) - 1))
    if isinstance(original, bytes):
        replacement = data.draw(st.integers(0, 255).filter(lambda b: b != original[position]))
        fields[name] = original[:position] + bytes([replacement]) + original[position + 1 :]
    else:
        char = data.draw(st.characters(max_codepoint=0x7E).filter(lambda c: c != original[position]))
        fields[name] = original[:position] + char + original[position + 1 :]
    method, url, body = fields.pop("method"), fields.pop("url"), fields.pop("body")
    # @target-uri is compared as sent, so even a change a URL parser would forgive is refused.
    code, _ = _refusal(nodes, fields, method=method, url=url, body=body)
    assert code in httpsig.CODES
