"""Limits on untrusted JSON, checked before the parser runs, and a middleware that applies them to request bodies.

Python's json parser recurses once per nesting level, so `[[[[...]]]]` ten thousand deep raises RecursionError
(a 500 wherever nobody expected it); it also accepts NaN and Infinity, turns 1e999 into infinity, and builds
integers of any size. None of these is JSON another system can read back (RFC 8259 §6: numbers outside the
IEEE-754 double range are not interoperable), so they are refused at the edge with a 4xx:

- a body larger than JSON_MAX_BYTES (413), checked on Content-Length before anything is read;
- nesting deeper than JSON_MAX_DEPTH, found by one linear scan of the bytes (no recursion);
- NaN, Infinity, and numbers outside the range of a double (1e999, 10**400);
- strings holding NUL (PostgreSQL stores it neither in text nor in jsonb) or an unpaired surrogate (not Unicode:
  it cannot be encoded as UTF-8, so writing or signing it fails). I-JSON (RFC 7493) asks the same of numbers
  and surrogates.

Both limits are settings so that an operator can move them; the defaults leave room for the largest credential
the verifier accepts (engines.credentials: 1 MB, 48 levels).
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
# Everything under this prefix reads its body as JSON whatever Content-Type says (django-ninja's Body parameters
# and the VC-API's own parser both call json.loads on request.body), so every non-form body there is checked.
API_PREFIX = "/api/"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# Strings are skipped whole so that brackets inside them do not count; an unterminated string is left in place,
# which can only make the scan stricter on a document the parser would refuse anyway.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_OPEN = frozenset(b"[{")
# NUL and surrogates can only appear through these escapes (raw control characters are invalid JSON), so the
# parsed strings are walked only when the bytes hold one.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_DOUBLE_DIGITS = len(str(int(sys.float_info.max)))


class JsonRefused(ValueError):
    """The JSON is unacceptable; `message` is translatable, `code` names the reason, `status` is the HTTP answer."""

    def __init__(self, message, *, code: str, status: int = 400):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.status = status


def max_bytes() -> int:
    return getattr(settings, "JSON_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_depth() -> int:
    return getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def _too_large(limit: int) -> JsonRefused:
    return JsonRefused(
        _("The request is too large: at most %(limit)d bytes of JSON are accepted.") % {"limit": limit},
        code="too_large", status=413,
    )


def check_depth(data: bytes, limit: int) -> None:
    """Refuse nesting deeper than `limit`, in one pass over the bytes and without recursion."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    depth = 0
    for byte in brackets:
        if byte in _OPEN:
            depth += 1
            if depth > limit:
                raise JsonRefused(
                    _("The JSON is nested too deeply: at most %(limit)d levels are accepted.") % {"limit": limit},
                    code="too_deep",
                )
        else:
            depth -= 1


def _refuse_number(text: str) -> JsonRefused:
    shown = text if len(text) <= 20 else text[:17] + "..."
    return JsonRefused(
        _("The number %(number)s cannot be accepted: JSON numbers must be finite and within the range of a double.")
        % {"number": shown},
        code="bad_number",
    )


def _constant(name: str) -> Any:
    raise _refuse_number(name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _refuse_number(text)
    return value


def _int(text: str) -> int:
    # Compare lengths first: int() of a 4,000-digit literal is quadratic, and above 4,300 digits it raises.
    if len(text.lstrip("-")) > _DOUBLE_DIGITS:
        raise _refuse_number(text)
    value = int(text)
    if abs(value) > sys.float_info.max:
        raise _refuse_number(text)
    return value


def loads(data: bytes | str, *, limit_bytes: int | None = None, limit_depth: int | None = None) -> Any:
    """Parse untrusted JSON within the size, depth and number limits; raises JsonRefused with a translatable reason."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    limit_bytes = max_bytes() if limit_bytes is None else limit_bytes
    if len(raw) > limit_bytes:
        raise _too_large(limit_bytes)
    check_depth(raw, max_depth() if limit_depth is None else limit_depth)
    try:
        value = json.loads(data, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except JsonRefused:
        raise
    except (ValueError, UnicodeDecodeError):
        raise JsonRefused(_("The request body is not valid JSON."), code="malformed") from None
    if _SUSPECT_ESCAPE.search(raw) or (isinstance(data, str) and not data.isascii()):
        _check_strings(value)
    return value


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and not _is_text(node):
            raise JsonRefused(
                _("The JSON holds a NUL character or an unpaired surrogate, which no text can contain."), code="bad_text"
            )


def _is_text(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate
        return False
    return True


def _carries_json(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        return False
    if content_type == "application/json" or content_type.endswith("+json"):
        return True
    return request.path.startswith(API_PREFIX)


class JsonGuardMiddleware:
    """Answers a JSON body that is too large, too deep or holds impossible numbers with a translated 4xx, before any
    view (or django-ninja's parser) sees it. Sits after LocaleMiddleware so that the message is in the caller's
    language (Accept-Language for the API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if _carries_json(request):
            try:
                self._check(request)
            except JsonRefused as refused:
                return JsonResponse({"detail": str(refused.message), "code": refused.code}, status=refused.status)
        return self.get_response(request)

    @staticmethod
    def _check(request: HttpRequest) -> None:
        limit = max_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise _too_large(limit)
        try:
            body = request.body
        except RequestDataTooBig:
            raise _too_large(min(limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)) from None
        if body:
            loads(body, limit_bytes=limit)
