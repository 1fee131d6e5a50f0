"""The published test vectors of RFC 9421 (HTTP Message Signatures) and RFC 9530 (Digest Fields).

Every constant below is copied from the RFCs' appendices, which are the specification's own
examples; the RFC 8792 line wrapping of the printed examples is undone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from ortaq.engines import httpsig
from ortaq.engines.httpsig.components import Message
from ortaq.engines.httpsig.structured import InnerList, parse_dictionary


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# RFC 9421 Appendix B.1.4, "test-key-ed25519": the JWK private scalar d and public key x, and the
# same key as PKCS#8 / SPKI PEM.
ED25519_D = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
ED25519_X = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"
ED25519_PRIVATE_PEM = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
ED25519_PUBLIC_PEM = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""

# RFC 9421 Appendix B.2, the "test-request" message (its body is `{"hello": "world"}`, 18 bytes).
TEST_REQUEST_URL = "https://example.com/foo?param=Value&Pet=dog"
TEST_REQUEST_BODY = b'{"hello": "world"}'
TEST_REQUEST_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
}

# RFC 9421 Appendix B.2.6, "Signing a Request Using ed25519".
B26_SIGNATURE_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
).encode("ascii")


def _test_request() -> Message:
    headers = httpsig.components.normalize_headers(TEST_REQUEST_HEADERS)
    return Message(headers=headers, method="POST", url=TEST_REQUEST_URL)


def _inner_list(signature_input: str) -> InnerList:
    (member,) = parse_dictionary(signature_input).values()
    assert isinstance(member, InnerList)
    return member


def test_the_rfc_ed25519_test_key_pem_and_jwk_forms_are_one_key() -> None:
    private = load_pem_private_key(ED25519_PRIVATE_PEM, password=None)
    assert isinstance(private, Ed25519PrivateKey)
    assert private.private_bytes_raw() == _b64url(ED25519_D)
    public = load_pem_public_key(ED25519_PUBLIC_PEM)
    assert isinstance(public, Ed25519PublicKey)
    assert public.public_bytes_raw() == _b64url(ED25519_X) == private.public_key().public_bytes_raw()


def test_the_b26_signature_base_is_rebuilt_byte_for_byte() -> None:
    assert httpsig.signature_base(_test_request(), _inner_list(B26_SIGNATURE_INPUT)) == B26_BASE


def test_the_rfc_b26_signature_value_verifies_over_that_base() -> None:
    public = Ed25519PublicKey.from_public_bytes(_b64url(ED25519_X))
    signature = parse_dictionary(B26_SIGNATURE)["sig-b26"].value  # type: ignore[union-attr]
    assert isinstance(signature, bytes)
    public.verify(signature, B26_BASE)  # raises InvalidSignature otherwise


def test_signing_the_b26_base_ourselves_gives_the_rfc_value_because_ed25519_is_deterministic() -> None:
    private = Ed25519PrivateKey.from_private_bytes(_b64url(ED25519_D))
    signature = private.sign(httpsig.signature_base(_test_request(), _inner_list(B26_SIGNATURE_INPUT)))
    assert "sig-b26=:" + base64.b64encode(signature).decode() + ":" == B26_SIGNATURE


def test_the_b26_request_as_received_passes_verify_request_when_its_own_components_are_required() -> None:
    headers = {**TEST_REQUEST_HEADERS, "Signature-Input": B26_SIGNATURE_INPUT, "Signature": B26_SIGNATURE}
    public = Ed25519PublicKey.from_public_bytes(_b64url(ED25519_X))
    verified = httpsig.verify_request(
        method="POST",
        url=TEST_REQUEST_URL,
        headers=headers,
        body=TEST_REQUEST_BODY,
        resolve_key={"test-key-ed25519": public}.get,
        now=1618884473 + 10,
        required=("@method", "@path", "@authority"),
    )
    assert verified == httpsig.Verified(
        key_id="test-key-ed25519",
        created=1618884473,
        nonce=None,
        label="sig-b26",
        covered=("date", "@method", "@path", "@authority", "content-type", "content-length"),
    )


def test_the_b26_request_fails_with_bad_signature_once_its_date_changes() -> None:
    headers = {**TEST_REQUEST_HEADERS, "Signature-Input": B26_SIGNATURE_INPUT, "Signature": B26_SIGNATURE}
    headers["Date"] = "Tue, 20 Apr 2021 02:07:56 GMT"
    public = Ed25519PublicKey.from_public_bytes(_b64url(ED25519_X))
    with pytest.raises(httpsig.SignatureError) as caught:
        httpsig.verify_request(
            method="POST", url=TEST_REQUEST_URL, headers=headers, body=TEST_REQUEST_BODY,
            resolve_key=lambda _: public, now=1618884473, required=(),
        )
    assert caught.value.code == "bad_signature"


def test_the_b21_minimal_base_is_only_the_signature_params_line() -> None:
    # RFC 9421 Appendix B.2.1: an empty inner list and a nonce.
    signature_input = 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
    assert httpsig.signature_base(_test_request(), _inner_list(signature_input)) == (
        b'"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
    )


def test_the_b22_base_with_a_query_parameter_and_a_tag_is_rebuilt() -> None:
    # RFC 9421 Appendix B.2.2, "Selective Covered Components using rsa-pss-sha512".
    signature_input = (
        'sig-b22=("@authority" "content-digest" "@query-param";name="Pet")'
        ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"'
    )
    assert httpsig.signature_base(_test_request(), _inner_list(signature_input)).decode() == "\n".join(
        [
            '"@authority": example.com',
            '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
            '"@query-param";name="Pet": dog',
            '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet")'
            ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
        ]
    )


def test_the_b23_full_coverage_base_includes_path_and_query() -> None:
    # RFC 9421 Appendix B.2.3, "Full Coverage using rsa-pss-sha512".
    signature_input = (
        'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length")'
        ';created=1618884473;keyid="test-key-rsa-pss"'
    )
    lines = httpsig.signature_base(_test_request(), _inner_list(signature_input)).decode().split("\n")
    assert lines[:8] == [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@query": ?param=Value&Pet=dog',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
        '"content-length": 18',
    ]


def test_the_b25_base_gives_the_rfc_hmac_value_which_pins_the_base_independently_of_ed25519() -> None:
    # RFC 9421 Appendix B.2.5 ("Signing a Request Using hmac-sha256") with the B.1.5 shared secret.
    # The engine signs only Ed25519; HMAC from the standard library checks the base it builds.
    secret = base64.b64decode(
        "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ=="
    )
    signature_input = 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"'
    base = httpsig.signature_base(_test_request(), _inner_list(signature_input))
    mac = hmac.new(secret, base, hashlib.sha256).digest()
    assert base64.b64encode(mac).decode() == "pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8="


def test_the_b24_response_base_verifies_the_rfc_p256_signature() -> None:
    # RFC 9421 Appendix B.2.4 ("Signing a Response Using ecdsa-p256-sha256") with the B.1.3 key.
    # ECDSA is randomised, so only the published signature is checked, over the base built here.
    message = Message(
        headers=httpsig.components.normalize_headers(
            {
                "Content-Type": "application/json",
                "Content-Digest": "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:",
                "Content-Length": "23",
            }
        ),
        status=200,
    )
    signature_input = (
        'sig-b24=("@status" "content-type" "content-digest" "content-length")'
        ';created=1618884473;keyid="test-key-ecc-p256"'
    )
    base = httpsig.signature_base(message, _inner_list(signature_input))
    assert base.decode().split("\n")[0] == '"@status": 200'
    x = int.from_bytes(_b64url("qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA"))
    y = int.from_bytes(_b64url("Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0"))
    public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    raw = base64.b64decode("wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==")
    # RFC 9421 section 3.3.4: the signature is r || s, 32 bytes each.
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    public.verify(der, base, ec.ECDSA(SHA256()))


def test_the_rfc_9530_example_body_has_the_published_sha256_content_digest() -> None:
    # RFC 9530 section 2 and Appendix B: the content {"hello": "world"} (18 bytes, no line feed: with
    # one the digest would be RK/0qy18...).
    assert httpsig.content_digest(b'{"hello": "world"}') == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"


def test_the_rfc_9421_test_request_body_has_its_published_sha512_content_digest() -> None:
    assert httpsig.content_digest(TEST_REQUEST_BODY, "sha-512") == TEST_REQUEST_HEADERS["Content-Digest"]
    httpsig.check_content_digest(TEST_REQUEST_HEADERS["Content-Digest"], TEST_REQUEST_BODY)
