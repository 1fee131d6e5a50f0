"""Public types of agreements that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementKind(models.TextChoices):
    MEMORANDUM = "memorandum", _("Memorandum of understanding")
    INTER_INSTITUTIONAL = "inter_institutional", _("Inter-institutional agreement")


class AgreementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    IN_EFFECT = "in_effect", _("In effect")
    TERMINATED = "terminated", _("Terminated")


class MobilityType(models.TextChoices):
    STUDENT_STUDY = "student_study", _("Student mobility for studies")
    STUDENT_INTERNSHIP = "student_internship", _("Student internship")
    TEACHER_INTERNSHIP = "teacher_internship", _("Teacher internship")
    STAFF_TRAINING = "staff_training", _("Staff training")


class DurationUnit(models.TextChoices):
    MONTHS = "months", _("months")
    DAYS = "days", _("days")


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures.
    from .models import Agreement, CooperationCondition
