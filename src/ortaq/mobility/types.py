"""Public types of mobility that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _


class MobilityAgreementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNING = "signing", _("Awaiting signatures")
    SIGNED = "signed", _("Signed by all three parties")


class EntryState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified by the host")
    REJECTED = "rejected", _("Returned by the host")


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures.
    from .models import Component, MobilityAgreement
