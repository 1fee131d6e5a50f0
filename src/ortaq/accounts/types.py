"""Public types of accounts that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures, and who reads through a selector: a signed-in user or an anonymous visitor.
    from django.contrib.auth.models import AnonymousUser

    from .models import User

    Actor: TypeAlias = User | AnonymousUser
