"""Multibase, base58btc and multicodec helpers.

These are the few encodings Data Integrity needs: `z` (base58btc) for keys and signatures,
`u` (base64url, no padding) for Bitstring Status Lists, and the multicodec varint headers that
tag an Ed25519 public key (0xed) or secret key (0x1300). Written here rather than pulled in as a
dependency because each is a handful of lines and the engine must stay auditable.
"""

from __future__ import annotations

import base64

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}

# Multicodec varint prefixes (https://github.com/multiformats/multicodec/blob/master/table.csv):
# ed25519-pub = 0xed -> varint 0xed 0x01; ed25519-priv = 0x1300 -> varint 0x80 0x26.
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


class MultibaseError(ValueError):
    """A multibase or multicodec value is malformed."""


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    num = int.from_bytes(data, "big")
    out = []
    while num:
        num, rem = divmod(num, 58)
        out.append(_B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise MultibaseError("base58 value must be a string")
    # A decoded Ed25519 signature is 64 bytes; cap the input so a hostile value cannot make the
    # big-integer arithmetic quadratic.
    if len(text) > 512:
        raise MultibaseError("base58 value is too long")
    num = 0
    for char in text:
        try:
            num = num * 58 + _B58_INDEX[char]
        except KeyError:
            raise MultibaseError(f"invalid base58btc character {char!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes, base: str = "z") -> str:
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    raise MultibaseError(f"unsupported multibase prefix {base!r}")


def multibase_decode(value: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise MultibaseError("multibase value must be a non-empty string")
    prefix, body = value[0], value[1:]
    if prefix == "z":
        return b58decode(body)
    if prefix == "u":
        try:
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, TypeError) as exc:
            raise MultibaseError("invalid base64url data") from exc
    raise MultibaseError(f"unsupported multibase prefix {prefix!r}")


def encode_public_key(raw: bytes) -> str:
    """Ed25519 public key bytes -> `publicKeyMultibase` (z6Mk...)."""
    return multibase_encode(ED25519_PUB_PREFIX + raw)


def decode_public_key(value: str) -> bytes:
    data = multibase_decode(value)
    if not data.startswith(ED25519_PUB_PREFIX) or len(data) != 34:
        raise MultibaseError("publicKeyMultibase is not an Ed25519 public key")
    return data[2:]


def encode_secret_key(seed: bytes) -> str:
    """Ed25519 32-byte seed -> `secretKeyMultibase` (z3u2...)."""
    return multibase_encode(ED25519_PRIV_PREFIX + seed)


def decode_secret_key(value: str) -> bytes:
    """Accepts the 32-byte seed form and the 64-byte seed||public form some tools export."""
    data = multibase_decode(value)
    if not data.startswith(ED25519_PRIV_PREFIX) or len(data) not in (34, 66):
        raise MultibaseError("secretKeyMultibase is not an Ed25519 secret key")
    return data[2:34]
