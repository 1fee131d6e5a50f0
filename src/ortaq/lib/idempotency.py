"""Idempotency keys for the REST API's creating requests (issue 16; the header of the IETF draft
"The Idempotency-Key HTTP Header Field", draft-ietf-httpapi-idempotency-key-header).

A client that may retry a POST (a timeout, a lost connection) sends `Idempotency-Key: <any text up to 255
characters>`. The first request with a key runs and its successful response (status and body) is kept for 24
hours; the same key from the same user with the same body gets that response again, with `Idempotent-Replayed:
true`, and nothing is created twice. The same key with another body (or for another operation) is refused with
422 `idempotency_key_reused`. A refused request (4xx) keeps nothing: it created nothing, so a retry is judged
afresh. Without the header a request runs as usual.

Use: put `@idempotent` under the route decorator of every operation that creates a record. It documents the header
in the OpenAPI (tests/web/test_idempotency.py checks that every creating POST has it) and holds the claim on the
key and the work in one transaction, so that of two requests sent at once with one key the second waits and then
replays the first's response.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_args

from ortaq.errors import DomainError

HEADER = "Idempotency-Key"
MAX_KEY = 255
LIFETIME = dt.timedelta(hours=24)
_ARG = "idempotency_key"
_CLAIM = "_ortaq_idempotency_claim"


class KeyReused(DomainError):
    status = 422

    def __init__(self) -> None:
        super().__init__(_("This Idempotency-Key was already used for another request. Use a new key for a new request."),
                         field=HEADER, code="idempotency_key_reused")


def fingerprint(request) -> str:
    """Method, path and body; a JSON body in canonical form, so that spacing or key order is not another body."""
    try:
        body: bytes = json.dumps(json.loads(request.body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = request.body
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _replay(row) -> HttpResponse:
    response = HttpResponse(row.content, status=row.status_code, content_type=row.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(request, key: str) -> HttpResponse | None:
    """The stored response for this key, or None after claiming the key for this request (KeyReused if the key
    belongs to another request)."""
    from ortaq.accounts.models import IdempotencyKey

    user, now, print_ = request.user, timezone.now(), fingerprint(request)
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lte=now - LIFETIME).delete()  # expired: the key is free again
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin's committed row makes this insert fail
            row = IdempotencyKey.objects.create(user=user, key=key, fingerprint=print_, status_code=0, content_type="", content="", created_at=now)
    except IntegrityError:
        existing = IdempotencyKey.objects.get(user=user, key=key)
        if existing.fingerprint != print_ or not existing.status_code:
            raise KeyReused() from None
        return _replay(existing)
    setattr(request, _CLAIM, row)
    return None


def _keep(request, response: HttpResponse) -> None:
    row = getattr(request, _CLAIM, None)
    if row is None:
        return
    if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
        row.status_code, row.content_type = response.status_code, response.get("Content-Type", "application/json")
        row.content = response.content.decode("utf-8")
        row.save(update_fields=["status_code", "content_type", "content"])
    else:
        row.delete()


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Make a creating operation honour the Idempotency-Key header (see the module's docstring)."""

    @functools.wraps(view)
    def with_key(request, *args, **kwargs):
        key = kwargs.pop(_ARG, None)
        if key:  # after authentication: the key is the user's
            stored = _claim(request, key)
            if stored is not None:
                return stored
        return view(request, *args, **kwargs)

    contribute_operation_args(with_key, _ARG, cast(Any, str | None), Header(None, alias=HEADER, min_length=1, max_length=MAX_KEY,
                                                                   description="Send the same key again to retry safely: the first response is repeated, nothing is created twice (24 hours)"))
    # Around the operation's run (which serialises the response), through ninja's own hook: an operation is cloned
    # when its router is mounted, and only decorators registered this way follow it into the clone.
    decorate_view(_atomically)(with_key)
    return with_key


def _atomically(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(run)
    def kept(request, *args, **kwargs):
        with transaction.atomic():  # the claim, the work and the kept response commit together or not at all
            response = run(request, *args, **kwargs)
            _keep(request, response)
        return response

    return kept
