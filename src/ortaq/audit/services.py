"""The one audit mechanism: every service that writes calls `audit_record`."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING, Any, cast

from django.db import models

from .models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from ortaq.accounts.types import User


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Concrete field values of `obj` (foreign keys as ids), JSON-ready, for before/after records."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"created_at", "updated_at"}:
            continue
        data[field.attname if field.is_relation else field.name] = _jsonable(getattr(obj, field.attname))
    return data


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,  # JSON snapshots (audit.services.snapshot)
    after: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        # Only a saved user (one with a pk) is recorded; an anonymous visitor or the system is None.
        actor=cast("User | None", actor if getattr(actor, "pk", None) else None),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        summary=summary[:300],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
