"""Between the placement and the departure: the documents each placed person provides (issue 15)."""

__all__ = ["DocumentKind", "DocumentState", "PlacementDocument"]

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    INSURANCE = "insurance", _("Insurance")
    VISA = "visa", _("Visa")
    ARRIVAL = "arrival", _("Arrival confirmation")
    DEPARTURE = "departure", _("Departure confirmation")


class DocumentState(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the coordinator's check")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class PlacementDocument(models.Model):
    """One item of a placement's checklist: uploaded (or only marked as done) by the learner, then accepted or
    refused with a reason by the sending coordinator. A checklist item not yet provided has no row."""

    nomination = models.ForeignKey("mobility.Nomination", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=12, choices=DocumentKind.choices)
    file = models.FileField(upload_to="placements/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(_("state"), max_length=12, choices=DocumentState.choices, default=DocumentState.SUBMITTED)
    reason = models.TextField(_("reason"), blank=True)
    submitted_at = models.DateTimeField()
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["nomination_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["nomination", "kind"], name="one_document_per_kind")]
