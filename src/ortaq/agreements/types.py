"""Public types of agreements that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

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


# The fields of the content parties approve (canonical JSON, see services.canonical_content): the order of the
# web forms, the keys of every stored version.
AGREEMENT_FIELDS = ["kind", "title", "reference", "summary", "start_year", "end_year"]
CONDITION_FIELDS = [
    "mobility_type", "sending", "receiving", "isced_code", "eqf_level", "nqf_level", "places_per_year",
    "duration", "duration_unit", "language", "language_framework", "language_min_level", "start_year",
    "end_year", "inclusion_support",
]
YEAR_MIN, YEAR_MAX = 2000, 2100  # academic years (starting) an agreement or a condition may name


@dataclass(frozen=True, kw_only=True)
class AgreementTerms:
    """What an agreement says, as the services take it: the web form and the API schema validate input and
    build it; the services check it again (agreements.services) so that no caller writes invalid terms.
    An edit passes the whole terms: `dataclasses.replace(AgreementTerms.of(agreement), title=...)`."""

    kind: str
    title: str
    start_year: int
    end_year: int
    reference: str = ""
    summary: str = ""

    @classmethod
    def of(cls, agreement: Agreement) -> AgreementTerms:
        return cls(**{f.name: getattr(agreement, f.name) for f in fields(cls)})


@dataclass(frozen=True, kw_only=True)
class ConditionTerms:
    """One cooperation condition as the services take it; the institutions by id (both must be parties).
    An edit passes the whole condition: `dataclasses.replace(ConditionTerms.of(condition), places_per_year=4)`."""

    mobility_type: str
    sending_id: int
    receiving_id: int
    isced_code: str
    places_per_year: int
    duration: int
    start_year: int
    end_year: int
    duration_unit: str = DurationUnit.MONTHS
    eqf_level: str = ""
    nqf_level: str = ""
    language: str = ""
    language_framework: str = ""
    language_min_level: str = ""
    inclusion_support: str = ""

    @classmethod
    def of(cls, condition: CooperationCondition) -> ConditionTerms:
        return cls(**{f.name: getattr(condition, f.name) for f in fields(cls)})


class AgreementChange(models.TextChoices):
    """What the services tell other apps (the federation) through `agreement_shared`, inside their transaction."""

    PROPOSED = "proposed"  # a version was proposed (first, or again after an edit)
    APPROVED = "approved"  # a party approved
    STATE = "state"  # put into effect or terminated


@dataclass(frozen=True, kw_only=True)
class RemoteVersion:
    """A version of an agreement whose home is another node, as that node sent it: the canonical content parties
    approve (institutions named by the home node's ids), its SHA-256, and the local institution each of those
    ids stands for (mapped by the federation from the institutions' own home nodes)."""

    home_node: str
    version: int
    sha256: str
    content: Mapping[str, Any]
    institutions: Mapping[int, Institution]


@dataclass(frozen=True, kw_only=True)
class RemoteApproval:
    """An approval the home node recorded: which party, for which version and hash (no person crosses)."""

    institution: Institution
    version: int
    sha256: str


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures.
    from ortaq.institutions.types import Institution

    from .models import Agreement, AgreementApproval, CooperationCondition  # noqa: F401 (for other apps' annotations)
