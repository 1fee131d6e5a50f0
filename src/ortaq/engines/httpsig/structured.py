"""A small, strict parser and serialiser for RFC 8941 Structured Field Values.

Only what HTTP Message Signatures need: dictionaries whose members are items or inner lists, with
parameters, over every bare item type (integer, decimal, string, token, byte sequence, boolean). The
parser is a single left-to-right pass without recursion (inner lists cannot nest), so hostile input
costs time linear in its length; the callers cap that length first.

Stricter than RFC 8941 in one place on purpose: a dictionary key or a parameter key given twice is
refused instead of "last one wins", because two implementations that resolve the duplicate
differently would verify different signatures over the same header.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from dataclasses import dataclass
from decimal import Decimal


class StructuredFieldError(ValueError):
    """The text is not a valid structured field of the expected type."""


class Token(str):
    """An sf-token (bare word such as `sha-256` or `*`), as opposed to an sf-string."""

    __slots__ = ()


BareItem = bool | int | Decimal | Token | str | bytes
Params = tuple[tuple[str, BareItem], ...]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = ()

    def param(self, key: str) -> BareItem | None:
        return dict(self.params).get(key)


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = ()

    def param(self, key: str) -> BareItem | None:
        return dict(self.params).get(key)


Member = Item | InnerList

_TOKEN_FIRST = frozenset(string.ascii_letters) | {"*"}
_DIGITS = frozenset(string.digits)
_BASE64_RE = re.compile(r"[A-Za-z0-9+/=]*")
_KEY_RE = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN_RE = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_PRINTABLE_RE = re.compile(r"[\x20-\x7e]*")


class _Parser:
    def __init__(self, text: str) -> None:
        # RFC 8941 section 4.2: input that is not ASCII fails parsing.
        if not text.isascii():
            raise StructuredFieldError("structured fields are ASCII")
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip(self, chars: str) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(f"{what} at offset {self.pos}")

    # RFC 8941 section 4.2.2
    def dictionary(self) -> dict[str, Member]:
        members: dict[str, Member] = {}
        while not self.at_end():
            key = self.key()
            member: Member
            if self.peek() == "=":
                self.pos += 1
                member = self.inner_list() if self.peek() == "(" else self.item()
            else:
                member = Item(True, self.parameters())
            if key in members:
                raise self.fail(f"duplicate dictionary key {key!r}")
            members[key] = member
            self.skip(" \t")
            if self.at_end():
                return members
            if self.peek() != ",":
                raise self.fail("expected ',' between dictionary members")
            self.pos += 1
            self.skip(" \t")
            if self.at_end():
                raise self.fail("trailing comma")
        return members

    # RFC 8941 section 4.2.1.2
    def inner_list(self) -> InnerList:
        self.pos += 1  # "("
        items: list[Item] = []
        while not self.at_end():
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parameters())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise self.fail("expected ' ' or ')' in inner list")
        raise self.fail("unterminated inner list")

    # RFC 8941 section 4.2.3
    def item(self) -> Item:
        value = self.bare_item()
        return Item(value, self.parameters())

    # RFC 8941 section 4.2.3.2
    def parameters(self) -> Params:
        params: list[tuple[str, BareItem]] = []
        seen: set[str] = set()
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            if key in seen:
                raise self.fail(f"duplicate parameter {key!r}")
            seen.add(key)
            params.append((key, value))
        return tuple(params)

    # RFC 8941 section 4.2.3.3
    def key(self) -> str:
        match = _KEY_RE.match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a key")
        self.pos = match.end()
        return match.group()

    # RFC 8941 section 4.2.3.1
    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or char in _DIGITS and char:
            return self.number()
        if char == '"':
            return self.string()
        if char and char in _TOKEN_FIRST:
            return self.token()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        raise self.fail("expected a bare item")

    # RFC 8941 section 4.2.4
    def number(self) -> int | Decimal:
        start = self.pos
        negative = self.peek() == "-"
        if negative:
            self.pos += 1
        digits_start = self.pos
        while not self.at_end() and self.text[self.pos] in _DIGITS:
            self.pos += 1
        int_digits = self.pos - digits_start
        if int_digits == 0:
            raise self.fail("expected a digit")
        if self.peek() != ".":
            if int_digits > 15:
                raise self.fail("integer longer than 15 digits")
            return int(self.text[start : self.pos])
        if int_digits > 12:
            raise self.fail("decimal with more than 12 integer digits")
        self.pos += 1
        frac_start = self.pos
        while not self.at_end() and self.text[self.pos] in _DIGITS:
            self.pos += 1
        frac_digits = self.pos - frac_start
        if frac_digits == 0 or frac_digits > 3:
            raise self.fail("decimal needs 1 to 3 fractional digits")
        return Decimal(self.text[start : self.pos])

    # RFC 8941 section 4.2.5
    def string(self) -> str:
        self.pos += 1
        out: list[str] = []
        while not self.at_end():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                if self.at_end() or self.text[self.pos] not in '"\\':
                    raise self.fail("bad escape in string")
                out.append(self.text[self.pos])
                self.pos += 1
            elif char == '"':
                return "".join(out)
            elif not " " <= char <= "~":
                raise self.fail("control character in string")
            else:
                out.append(char)
        raise self.fail("unterminated string")

    # RFC 8941 section 4.2.6
    def token(self) -> Token:
        match = _TOKEN_RE.match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a token")
        self.pos = match.end()
        return Token(match.group())

    # RFC 8941 section 4.2.7
    def byte_sequence(self) -> bytes:
        self.pos += 1
        end = self.text.find(":", self.pos)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        encoded = self.text[self.pos : end]
        if not _BASE64_RE.fullmatch(encoded):
            raise self.fail("byte sequence is not base64")
        try:
            value = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise self.fail("byte sequence is not base64") from exc
        self.pos = end + 1
        return value

    # RFC 8941 section 4.2.8
    def boolean(self) -> bool:
        self.pos += 1
        char = self.peek()
        if char not in ("0", "1") or not char:
            raise self.fail("boolean must be ?0 or ?1")
        self.pos += 1
        return char == "1"


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse an sf-dictionary (RFC 8941 section 4.2, top level with leading/trailing SP dropped)."""
    parser = _Parser(text)
    parser.skip(" ")
    parser.text = parser.text.rstrip(" ")
    members = parser.dictionary()
    if not parser.at_end():
        raise parser.fail("trailing characters")
    return members


def parse_item(text: str) -> Item:
    parser = _Parser(text)
    parser.skip(" ")
    parser.text = parser.text.rstrip(" ")
    item = parser.item()
    if not parser.at_end():
        raise parser.fail("trailing characters")
    return item


# --------------------------------------------------------------------------- serialisation (RFC 8941 4.1)


def serialize_key(key: str) -> str:
    if not _KEY_RE.fullmatch(key):
        raise StructuredFieldError(f"invalid key {key!r}")
    return key


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > 999_999_999_999_999:
            raise StructuredFieldError("integer out of range")
        return str(value)
    if isinstance(value, Decimal):
        rounded = value.quantize(Decimal("0.001"))
        if abs(rounded) >= Decimal(10) ** 12:
            raise StructuredFieldError("decimal out of range")
        text = format(rounded, "f").rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, Token):
        if not _TOKEN_RE.fullmatch(value):
            raise StructuredFieldError(f"invalid token {value!r}")
        return str(value)
    if isinstance(value, str):
        if not _PRINTABLE_RE.fullmatch(value):
            raise StructuredFieldError("strings are printable ASCII")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise StructuredFieldError(f"not a bare item: {type(value).__name__}")


def serialize_params(params: Params) -> str:
    out = []
    for key, value in params:
        out.append(";" + serialize_key(key))
        if value is not True:
            out.append("=" + serialize_bare_item(value))
    return "".join(out)


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    return "(" + " ".join(serialize_item(i) for i in inner.items) + ")" + serialize_params(inner.params)


def serialize_member(member: Member) -> str:
    return serialize_inner_list(member) if isinstance(member, InnerList) else serialize_item(member)


def serialize_dictionary(members: dict[str, Member]) -> str:
    out = []
    for key, member in members.items():
        if isinstance(member, Item) and member.value is True:
            out.append(serialize_key(key) + serialize_params(member.params))
        else:
            out.append(serialize_key(key) + "=" + serialize_member(member))
    return ", ".join(out)
