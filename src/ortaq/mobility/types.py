"""Public types of mobility that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from ortaq.i18n import content_language


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
    from ortaq.institutions.types import Institution
    from ortaq.programmes.types import Programme

    from .models import Component, MobilityAgreement


# Typed inputs of the services (decision 0007: forms stay at the edge). A view or the demo builds them from a
# validated form (`to_input()` in forms.py); the services check the domain's rules on them.

@dataclass(frozen=True, kw_only=True)
class OfferInput:
    """An internship offer as its host writes it."""

    title: str
    tasks: str
    city: str
    start_date: dt.date
    end_date: dt.date
    places: int
    isced_code: str
    language: str = ""
    language_framework: str = ""
    language_min_level: str = ""
    accessibility_facilities: tuple[str, ...] = ()
    # The language the host wrote title and tasks in (by default the one they use the site in), and other
    # versions: {language: {"title": ..., "tasks": ...}} (decision 0009).
    written_in: str = field(default_factory=content_language)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CallInput:
    """A call for applications as its sending coordinator writes it; no seed: the service draws one."""

    title: str
    mobility_type: str
    academic_year: int
    deadline: dt.datetime
    max_choices: int = 3
    min_year_of_study: int | None = None
    min_grade: Decimal | None = None
    language: str = ""
    language_framework: str = ""
    language_min_level: str = ""
    ranking_rule: str = "points"
    weight_grade: int = 50
    weight_language: int = 20
    weight_motivation: int = 15
    weight_interview: int = 15
    lottery_seed: int | None = None
    acceptance_days: int = 7
    written_in: str = field(default_factory=content_language)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ApplicationInput:
    """What an applicant says about themself; the options they rank travel beside it."""

    year_of_study: int
    grade: Decimal
    programme: Programme | None = None
    motivation: str = ""
    share_accessibility_needs: bool = False


@dataclass(frozen=True, kw_only=True)
class Scores:
    """A coordinator's scores of an application (0–100; None: not scored)."""

    motivation_score: int | None = None
    interview_score: int | None = None


# Nominations across nodes (remote_services.py): what the sending node's message carries, as the federation reads
# it, for the host's node to keep (docs/federation.md, "nomination.sent").

@dataclass(frozen=True, kw_only=True)
class RemoteNominationInput:
    home_node: str
    home_id: str
    host: Institution  # hosted here
    sending: Institution  # the mirror of the sending institution
    learner_name: str
    learner_name_latin: str = ""
    call_title: str
    call_language: str = ""
    mobility_type: str = ""
    academic_year: int | None = None
    isced_code: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    duration: int | None = None
    duration_unit: str = ""
    answer_by: dt.datetime | None = None


# A learning or training agreement drafted on the nomination's home node, as its `mobility_agreement.proposed`
# message carries it, for the host's node to keep (docs/federation.md, "Learning and training agreements across nodes").

@dataclass(frozen=True, kw_only=True)
class RemoteMobilityAgreementInput:
    home_node: str  # the sender: the nomination's home node
    home_id: str  # the agreement's id there
    nomination_home_id: str  # the nomination's id there (RemoteNomination.home_id)
    version: int
    sha256: str
    content: dict[str, object]  # exactly as hashed at home (during.content_of)
    signatures: list[dict[str, object]] = field(default_factory=list)  # [{"party", "version", "sha256"}]
    outcome_texts: dict[str, dict[str, str]] = field(default_factory=dict)  # {"<outcome id>": {lang: text}}, beside the content
