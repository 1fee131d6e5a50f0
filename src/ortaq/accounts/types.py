"""Public types of accounts that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    COORDINATOR = "coordinator", _("International-office coordinator")
    REGISTRAR = "registrar", _("Registrar")
    COMPANY_SUPERVISOR = "company_supervisor", _("Company supervisor")
    MANAGER_IN_TRAINING = "manager_in_training", _("Manager in training")
    TRAINER = "trainer", _("Trainer")
    MINISTRY_ANALYST = "ministry_analyst", _("Ministry analyst")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures, and who reads through a selector: a signed-in user or an anonymous visitor.
    from django.contrib.auth.models import AnonymousUser

    from .models import User

    Actor: TypeAlias = User | AnonymousUser
