"""The rules an agreement's terms and conditions obey, in one place: the web forms show them field by field
(agreements.forms) and the services enforce them on the typed terms they take (agreements.services), so that
the API, the web and any other caller are held to the same rules with the same messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw

from .types import YEAR_MAX, YEAR_MIN

if TYPE_CHECKING:
    from .types import AgreementTerms, ConditionTerms

Problems = list[tuple[str, str]]  # (field, message), in the order a form would show them


def years_problems(start: int | None, end: int | None) -> Problems:
    if start and end and end < start:
        return [("end_year", str(_("The last academic year cannot be before the first.")))]
    return []


def condition_problems(
    *, start_year: int | None, end_year: int | None, agreement_years: tuple[int, int, str], sending_id: int | None,
    receiving_id: int | None, language: str, language_framework: str, language_min_level: str,
) -> Problems:
    """Rules between a condition's values and its agreement; `agreement_years` is (first, last, as text)."""
    problems: Problems = []
    if start_year and end_year:
        if end_year < start_year:
            problems += years_problems(start_year, end_year)
        elif start_year < agreement_years[0] or end_year > agreement_years[1]:
            problems.append(("end_year", str(
                _("Conditions must fall within the agreement's academic years (%(years)s).") % {"years": agreement_years[2]}
            )))
    if sending_id and sending_id == receiving_id:
        problems.append(("receiving", str(_("The receiving institution must differ from the sending one."))))
    framework, level = language_framework, language_min_level
    if level and not framework:
        problems.append(("language_framework", str(_("Choose the framework of the minimum language level."))))
    elif framework and level and fw.language_level_rank(framework, level) is None:
        problems.append(("language_min_level", str(_("This level does not exist in the chosen framework."))))
    if (framework or level) and not language:
        problems.append(("language", str(_("Choose the language the level applies to."))))
    return problems


def _not_a_choice(value: object) -> str:
    # The message of a form's choice field, so a refused code reads the same from the service as from the form.
    return str(forms.ChoiceField.default_error_messages["invalid_choice"] % {"value": value})


def _bounded(terms: AgreementTerms | ConditionTerms, bounds: dict[str, tuple[int, int]]) -> Problems:
    """Whole numbers within the bounds of the form fields, with those fields' messages."""
    problems: Problems = []
    for name, (low, high) in bounds.items():
        try:
            forms.IntegerField(min_value=low, max_value=high).clean(getattr(terms, name))
        except ValidationError as error:
            problems += [(name, str(m)) for m in error.messages]
    return problems


YEARS = {"start_year": (YEAR_MIN, YEAR_MAX), "end_year": (YEAR_MIN, YEAR_MAX)}


def agreement_terms_problems(terms: AgreementTerms) -> Problems:
    """What the services refuse in an agreement's terms beyond what its model checks."""
    problems = _bounded(terms, YEARS)
    return problems or years_problems(terms.start_year, terms.end_year)


def condition_terms_problems(terms: ConditionTerms, *, agreement_years: tuple[int, int, str], party_ids: set[int]) -> Problems:
    """What the services refuse in a condition beyond what its model checks: codes from the frameworks, whole
    numbers within the form's bounds, institutions that are parties, and the rules between values."""
    problems = _bounded(terms, {**YEARS, "places_per_year": (1, 10_000), "duration": (1, 730)})
    if terms.sending_id not in party_ids:
        problems.append(("sending", str(_("The sending institution must be a party to the agreement."))))
    if terms.receiving_id not in party_ids:
        problems.append(("receiving", str(_("The receiving institution must be a party to the agreement."))))
    field = fw.isced_field(terms.isced_code) if isinstance(terms.isced_code, str) else None
    if field is None or field.group != "detailed":
        problems.append(("isced_code", str(_("“%(value)s” is not an ISCED-F 2013 detailed field code.") % {"value": terms.isced_code})))
    codes = {
        "eqf_level": {t.code for t in fw.levels("eqf")},
        "nqf_level": {t.code for t in fw.levels("kz_nqf")},
        "language": {t.code for t in fw.languages()},
        "language_framework": {t.code for t in fw.language_frameworks()},
        "language_min_level": {t.code for f in fw.language_frameworks() for t in fw.language_levels(f.code)},
    }
    for name, allowed in codes.items():
        value = getattr(terms, name)
        if value and value not in allowed:
            problems.append((name, _not_a_choice(value)))
    if problems:
        return problems
    return condition_problems(
        start_year=terms.start_year, end_year=terms.end_year, agreement_years=agreement_years,
        sending_id=terms.sending_id, receiving_id=terms.receiving_id, language=terms.language,
        language_framework=terms.language_framework, language_min_level=terms.language_min_level,
    )


def as_errors(problems: Problems) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field, []).append(message)
    return errors
