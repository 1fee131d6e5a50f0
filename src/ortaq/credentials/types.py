"""Public types of credentials that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _


class CredentialKind(models.TextChoices):
    DIPLOMA = "diploma", _("Dual diploma")
    MODULE = "module", _("Module certificate")
    INTERNSHIP = "internship", _("Internship certificate")
    TRAINING = "training", _("Professional-development micro-credential")
    TRANSCRIPT = "transcript", _("Transcript of records")
    # Signed through the W3C VC-API by a registrar's integration: the document is the caller's, the
    # signature, status entries, record and audit are the platform's, as for every other kind.
    EXTERNAL = "external", _("Credential issued through the VC-API")


class CredentialState(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures.
    from .models import IssuedCredential, IssuerProfile
