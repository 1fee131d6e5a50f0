from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from .models import AuditEvent


def history_for(obj: models.Model, *, limit: int = 50) -> QuerySet[AuditEvent]:
    """The object's audit trail, newest first. Callers check that the viewer may see `obj` itself."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related(
        "actor"
    )[:limit]
