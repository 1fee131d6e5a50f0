"""Public types of mobility that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures.
    from .models import Component, MobilityAgreement
