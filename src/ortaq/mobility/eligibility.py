"""Who may apply to which option of a call, and why not: the same rules before submission and in the round."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw


@dataclass(frozen=True)
class Requirement:
    language: str
    framework: str
    level: str

    def met_by(self, certificates) -> bool:
        wanted = fw.language_level_rank(self.framework, self.level)
        if wanted is None:
            return True
        for certificate in certificates:
            if certificate.language == self.language and certificate.framework == self.framework:
                rank = fw.language_level_rank(certificate.framework, certificate.level)
                if rank is not None and rank >= wanted:
                    return True
        return False

    def describe(self) -> str:
        return _("%(language)s at level %(level)s (%(framework)s) or higher") % {
            "language": self.language.upper(), "level": self.level, "framework": self.framework.upper(),
        }


def requirement_of(obj) -> Requirement | None:
    """The language requirement of a call, a cooperation condition or an offer, if it states one."""
    if obj is not None and obj.language and obj.language_framework and obj.language_min_level:
        return Requirement(obj.language, obj.language_framework, obj.language_min_level)
    return None


def option_requirement(option) -> Requirement | None:
    return requirement_of(option.condition if option.condition_id else option.offer)


def call_reasons(call, *, programme_id, year_of_study, grade, certificates, eligible_programme_ids: set[int]) -> list[str]:
    """Reasons the applicant cannot apply to the call at all (empty when eligible)."""
    reasons = []
    if eligible_programme_ids and programme_id not in eligible_programme_ids:
        reasons.append(str(_("Your programme is not among those this call is open to.")))
    if call.min_year_of_study and (year_of_study or 0) < call.min_year_of_study:
        reasons.append(str(_("This call requires at least year %(year)d of study.") % {"year": call.min_year_of_study}))
    if call.min_grade is not None and (grade is None or Decimal(grade) < call.min_grade):
        reasons.append(str(_("This call requires an average grade of at least %(grade)s.") % {"grade": call.min_grade}))
    requirement = requirement_of(call)
    if requirement and not requirement.met_by(certificates):
        reasons.append(str(_("This call requires %(requirement)s; your language certificates do not show it.") % {"requirement": requirement.describe()}))
    return reasons


def option_reasons(option, certificates) -> list[str]:
    requirement = option_requirement(option)
    if requirement and not requirement.met_by(certificates):
        return [str(_("This option requires %(requirement)s; your language certificates do not show it.") % {"requirement": requirement.describe()})]
    return []


def language_points(call, certificates) -> Decimal:
    """0–100: the applicant's best certificate in the call's language, relative to its framework's top level."""
    language = call.language or (next(iter({c.language for c in certificates}), None))
    best = Decimal(0)
    for certificate in certificates:
        if certificate.language != language:
            continue
        levels = fw.language_levels(certificate.framework)
        rank = fw.language_level_rank(certificate.framework, certificate.level)
        if rank is not None and levels:
            best = max(best, Decimal(100) * (rank + 1) / len(levels))
    return best.quantize(Decimal("0.01"))


def points(call, application, certificates) -> Decimal:
    """The call's published formula: a weighted mean of grade, language, motivation and interview (0–100 each)."""
    weights = {
        "grade": call.weight_grade, "language": call.weight_language,
        "motivation": call.weight_motivation, "interview": call.weight_interview,
    }
    values = {
        "grade": Decimal(application.grade or 0), "language": language_points(call, certificates),
        "motivation": Decimal(application.motivation_score or 0), "interview": Decimal(application.interview_score or 0),
    }
    total = sum(weights.values()) or 1
    return (sum(values[k] * weights[k] for k in weights) / total).quantize(Decimal("0.01"))
