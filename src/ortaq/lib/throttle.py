"""Throttling that holds across web processes: counters in the shared cache alias "throttle".

Each (scope, key) counts hits in fixed windows aligned on the epoch (window n covers
[n*window, (n+1)*window) seconds), one cache entry per window. `cache.add` creates the entry at 0 and
`cache.incr` counts atomically: INCR in Redis, a compare-and-swap in the database cache
(ortaq.lib.dbcache). Several web processes, workers and machines on the same cache therefore share
one count. An entry lives one minute longer than its window, so it never expires between `add` and
`incr` and never outlives its window by much.

A fixed window lets a client spend up to twice the limit across a window boundary; for the limits
here (failed logins, lookups of share codes, public verification) that is the accepted price for
one round trip per hit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.functional import lazy
from django.utils.translation import ngettext

from ortaq.errors import DomainError

CACHE_ALIAS = "throttle"
_GRACE = 60  # seconds an entry outlives its window (clock skew between processes, add/incr gap)


def _now() -> float:
    return time.time()


class Throttled(DomainError):
    """Too many hits for a scope and key; `retry_after` is the number of seconds until the window ends."""

    status = 429

    def __init__(self, *, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        minutes = math.ceil(self.retry_after / 60)
        # Translated when shown, not when raised: `ngettext_lazy(...) % {...}` would fix the language now.
        super().__init__(_lazy_message(minutes), code="throttled")


def _message(minutes: int) -> str:
    return ngettext(
        "Too many attempts, try again in %(minutes)d minute.",
        "Too many attempts, try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


_lazy_message = lazy(_message, str)


def client_address(request) -> str:
    """The address to count a request against.

    REMOTE_ADDR, unless ORTAQ_PROXY_CLIENT_HEADER names a header (a META key such as
    HTTP_X_FORWARDED_FOR) set by our own reverse proxy: then its right-most entry, the one the trusted
    proxy appended (entries to its left come from the client and can be forged). IPv6 addresses count
    per /64, the block one subscriber usually holds, so that rotating addresses inside it does not help.
    """
    address = ""
    if header := getattr(settings, "ORTAQ_PROXY_CLIENT_HEADER", ""):
        entries = [entry.strip() for entry in request.META.get(header, "").split(",") if entry.strip()]
        if entries:
            address = entries[-1]
    address = address or request.META.get("REMOTE_ADDR", "") or "unknown"
    return _normalised(address)


def _normalised(address: str) -> str:
    candidate = address
    if candidate.startswith("[") and "]" in candidate:  # "[2001:db8::1]:443"
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # "203.0.113.7:51234": some proxies report the client's port too
        candidate = candidate.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(candidate)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def throttle_limits(scope: str) -> tuple[int, int]:
    """(limit, window in seconds) of a scope, from settings.ORTAQ_THROTTLES."""
    try:
        limit, window = settings.ORTAQ_THROTTLES[scope]
    except KeyError:
        raise KeyError(f"unknown throttle scope {scope!r}; add it to ORTAQ_THROTTLES in ortaq/settings.py") from None
    return int(limit), int(window)


def _entry(scope: str, key: str, window: int, now: float) -> tuple[str, int]:
    # Keys are hashed: the cache never holds user names or addresses, and any input makes a valid key.
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    index = int(now // window)
    remaining = math.ceil((index + 1) * window - now)
    return f"t:{scope}:{window}:{index}:{digest}", remaining


def throttle_hit(scope: str, key: str, *, limit: int, window: int) -> None:
    """Count one hit of `key` in `scope`; raise Throttled when this hit is over `limit` in the window.

    Call it outside `transaction.atomic`: with the database cache, a transaction rolled back (by the very
    error that answers the request, say) would take its hits back with it."""
    cache = caches[CACHE_ALIAS]
    name, remaining = _entry(scope, key, window, _now())
    cache.add(name, 0, timeout=window + _GRACE)
    try:
        count = cache.incr(name)
    except ValueError:  # culled between add and incr: start again
        cache.add(name, 0, timeout=window + _GRACE)
        count = cache.incr(name)
    if count > limit:
        raise Throttled(retry_after=remaining)


def throttle_forgive(scope: str, key: str, *, window: int) -> None:
    """Take back one hit of the current window (an attempt that turned out legitimate, such as a
    successful login, so that only failures count against a shared address)."""
    cache = caches[CACHE_ALIAS]
    name, _remaining = _entry(scope, key, window, _now())
    try:
        if cache.decr(name) < 0:
            cache.incr(name)
    except ValueError:  # the window ended meanwhile: nothing to take back
        pass


def throttle_reset(scope: str, key: str) -> None:
    """Forget the hits of `key` in `scope` (current and previous window)."""
    _limit, window = throttle_limits(scope)
    now = _now()
    caches[CACHE_ALIAS].delete_many([_entry(scope, key, window, now)[0], _entry(scope, key, window, now - window)[0]])
