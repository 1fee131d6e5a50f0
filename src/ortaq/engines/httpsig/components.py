"""Component values and the signature base of RFC 9421 (sections 2.1, 2.2, 2.4 and 2.5).

A message here is what the signer and the verifier can both see: the method and target URI of a
request or the status of a response, its header fields (names case-insensitive, one value each) and,
for a response, the request it answers (for components flagged `req`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from .errors import SignatureError
from .structured import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_dictionary,
    serialize_inner_list,
    serialize_item,
    serialize_member,
)

DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query", "@query-param", "@status"}
)
# Fields whose `sf` re-serialisation we know (RFC 9421 section 2.1.1 needs the field's structured type):
# all of them are dictionaries.
DICTIONARY_FIELDS = frozenset({"content-digest", "repr-digest", "signature", "signature-input", "want-content-digest"})
_FIELD_PARAMS = frozenset({"sf", "key", "bs", "req"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_PRINTABLE_OR_TAB = re.compile(r"[\t\x20-\x7e]*")


def normalize_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case the names; two spellings of one name (`Date` and `date`) are refused as ambiguous."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise SignatureError("malformed_signature", "header names and values must be text")
        lower = name.lower()
        if lower in out:
            raise SignatureError("malformed_signature", f"header {name!r} is given twice")
        out[lower] = value
    return out


@dataclass(frozen=True)
class Message:
    headers: dict[str, str]  # lower-cased names
    method: str | None = None
    url: str | None = None
    status: int | None = None
    request: Message | None = field(default=None)


def _missing(what: str) -> SignatureError:
    return SignatureError("missing_component", f"the message has no {what}")


def _field_value(raw: str) -> str:
    # RFC 9421 section 2.1: strip leading and trailing whitespace; obs-fold becomes a single space.
    # Line breaks of any other kind would let a header forge extra lines of the base, so they fail.
    value = raw.replace("\r\n ", " ").replace("\r\n\t", " ").strip(" \t")
    if "\r" in value or "\n" in value:
        raise SignatureError("malformed_signature", "a header value spans lines")
    return value


def _url_parts(message: Message, name: str) -> tuple[str, str, str, str]:
    if message.url is None:
        raise _missing(name)
    try:
        parts = urlsplit(message.url)
        port = parts.port
    except ValueError as exc:
        raise SignatureError("malformed_signature", "the target URI cannot be parsed") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        raise SignatureError("malformed_signature", "the target URI must be absolute")
    if ":" in host:  # IPv6 literal keeps its brackets
        host = f"[{host}]"
    authority = host if port is None or str(port) == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return scheme, authority, parts.path or "/", parts.query


def _form_encode(text: str) -> str:
    # RFC 9421 section 2.2.8: names and values re-encoded with the application/x-www-form-urlencoded
    # percent-encode set of the URL standard, except that a space is %20.
    keep = b"*-._"
    return "".join(
        chr(b) if chr(b).isascii() and (chr(b).isalnum() or b in keep) else f"%{b:02X}" for b in text.encode("utf-8")
    )


def _query_param(message: Message, name: str) -> str:
    query = _url_parts(message, "@query-param")[3]
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="replace", max_num_fields=1000)
    except ValueError as exc:  # more than 1000 parameters
        raise SignatureError("malformed_signature", "the query has too many parameters") from exc
    values = [_form_encode(v) for k, v in pairs if _form_encode(k) == name]
    if not values:
        raise _missing(f'query parameter "{name}"')
    if len(values) > 1:  # RFC 9421 section 2.2.8: a repeated name must not be signed this way
        raise SignatureError("malformed_signature", f'query parameter "{name}" is repeated')
    return values[0]


def _derived(message: Message, name: str, item: Item) -> str:
    if name == "@status":
        if message.status is None:
            raise _missing("@status")
        return f"{message.status:03d}"
    if name == "@method":
        if not message.method:
            raise _missing("@method")
        return message.method
    if name == "@query-param":
        param = item.param("name")
        if not isinstance(param, str) or isinstance(param, Token):
            raise SignatureError("malformed_signature", "@query-param needs a name")
        return _query_param(message, param)
    scheme, authority, path, query = _url_parts(message, name)
    if name == "@target-uri":
        return str(message.url)
    if name == "@authority":
        return authority
    if name == "@scheme":
        return scheme
    if name == "@path":
        return path
    if name == "@query":
        return "?" + query
    return path + ("?" + query if query else "")  # @request-target


def _field(message: Message, name: str, item: Item) -> str:
    if name not in message.headers:
        raise _missing(f"header {name}")
    value = _field_value(message.headers[name])
    key, sf, bs = item.param("key"), item.param("sf"), item.param("bs")
    if bs is True:
        if key is not None or sf is not None:
            raise SignatureError("malformed_signature", "bs cannot be combined with sf or key")
        return ":" + base64.b64encode(value.encode("latin-1", "replace")).decode("ascii") + ":"
    if key is None and sf is None:
        return value
    if name not in DICTIONARY_FIELDS and sf is not None and key is None:
        raise SignatureError("malformed_signature", f"the structured type of {name} is not known")
    try:
        members = parse_dictionary(value)
    except StructuredFieldError as exc:
        raise SignatureError("malformed_signature", f"header {name} is not a dictionary") from exc
    if key is None:
        return serialize_dictionary(members)
    if not isinstance(key, str) or isinstance(key, Token):
        raise SignatureError("malformed_signature", "the key parameter is a string")
    if key not in members:
        raise _missing(f'member "{key}" of header {name}')
    return serialize_member(members[key])


def component_name(item: Item) -> str:
    if not isinstance(item.value, str) or isinstance(item.value, Token):
        raise SignatureError("malformed_signature", "component identifiers are strings")
    return item.value


def check_identifier(item: Item) -> None:
    """Refuse identifiers this engine does not understand (RFC 9421 section 2: fail, don't guess)."""
    name = component_name(item)
    keys = {k for k, _ in item.params}
    if name.startswith("@"):
        if name not in DERIVED or name == "@signature-params":
            raise SignatureError("malformed_signature", f"unknown derived component {name}")
        allowed = {"req", "name"} if name == "@query-param" else {"req"}
    else:
        if not name or name != name.lower() or any(not ("!" <= c <= "~") for c in name):
            raise SignatureError("malformed_signature", "field names are lower-case tokens")
        allowed = set(_FIELD_PARAMS)
    if keys - allowed:
        raise SignatureError("malformed_signature", f"unsupported parameters on {name}: {sorted(keys - allowed)}")
    for key in ("req", "sf", "bs"):
        if key in keys and item.param(key) is not True:
            raise SignatureError("malformed_signature", f"parameter {key} is a flag")


def component_value(message: Message, item: Item) -> str:
    check_identifier(item)
    name = component_name(item)
    target = message
    if item.param("req") is True:
        # RFC 9421 section 2.4: `req` takes the value from the request that this response answers.
        if message.request is None:
            raise _missing("related request")
        target = message.request
    value = _derived(target, name, item) if name.startswith("@") else _field(target, name, item)
    if not _PRINTABLE_OR_TAB.fullmatch(value):
        # RFC 9421 section 2.5: the base is ASCII, one line per component.
        raise SignatureError("malformed_signature", f"the value of {name} is not printable ASCII")
    return value


def check_covered(items: tuple[Item, ...]) -> None:
    """Every identifier understood, none twice (RFC 9421 section 2.5 step 1: duplicates fail)."""
    seen: set[str] = set()
    for item in items:
        check_identifier(item)
        identifier = serialize_item(_canonical(item))
        if identifier in seen:
            raise SignatureError("malformed_signature", f"component {identifier} is covered twice")
        seen.add(identifier)


def signature_base(message: Message, signature_params: InnerList) -> bytes:
    """RFC 9421 section 2.5: one `"identifier": value` line per covered component, in order, then
    the `"@signature-params"` line holding the serialised Signature-Input member."""
    check_covered(signature_params.items)
    lines = [f"{serialize_item(item)}: {component_value(message, item)}" for item in signature_params.items]
    try:
        params = serialize_inner_list(signature_params)
    except StructuredFieldError as exc:
        raise SignatureError("malformed_signature", str(exc)) from exc
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode("ascii")


def _canonical(item: Item) -> Item:
    # The same component with its parameters in another order is still the same component.
    return Item(item.value, tuple(sorted(item.params, key=lambda kv: kv[0])))


def describe(item: Item) -> str:
    """A readable name for a covered component: `@method`, `content-digest`, `signature;key="a";req`."""
    return component_name(item) + serialize_item(Item(True, item.params))[2:]
