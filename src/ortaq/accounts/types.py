"""Public types of accounts that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
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


# What a person (or whoever manages them) edits on their profile, and the audit's snapshot of it.
PROFILE_FIELDS = ["full_name", "full_name_latin", "preferred_language", "iin", "passport_number", "passport_country"]


@dataclass(frozen=True, kw_only=True)
class ProfileDetails:
    """A person's profile as the services take it: the web form validates input and builds it; the services
    check it again (accounts.rules and the model's own validation). An edit passes the whole profile:
    `dataclasses.replace(ProfileDetails.of(person), full_name=...)`. An empty Latin name is suggested from the name."""

    full_name: str = ""
    full_name_latin: str = ""
    preferred_language: str = "en"
    iin: str = ""
    passport_number: str = ""
    passport_country: str = ""

    @classmethod
    def of(cls, person: User) -> ProfileDetails:
        return cls(**{f.name: getattr(person, f.name) for f in fields(cls)})


@dataclass(frozen=True, kw_only=True)
class AccessibilityChoice:
    """A person's accessibility needs and their consent to share them; needs are stored only with consent, and
    withdrawing consent erases them."""

    needs: str = ""
    consent: bool = False


@dataclass(frozen=True, kw_only=True)
class LanguageCertificateDetails:
    """A language certificate: a level of a framework (CEFR, HSK, KAZTEST) in a language."""

    language: str
    framework: str
    level: str
    issued_on: dt.date | None = None


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures, and who reads through a selector: a signed-in user or an anonymous visitor.
    from django.contrib.auth.models import AnonymousUser

    from .models import User

    Actor: TypeAlias = User | AnonymousUser
