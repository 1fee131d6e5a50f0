"""The rules a programme, its modules and outcomes obey beyond their models' own checks: the forms show them
(programmes.forms) and the services enforce them on the typed details they take (programmes.services), with
the same messages, so that the web, the API and any other caller are held to the same rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw

from .types import CREDITS_MAX, ORDER_MAX

if TYPE_CHECKING:
    from .types import ModuleDetails, OutcomeText, ProgrammeDetails

Problems = list[tuple[str, str]]  # (field, message); "__all__" for the record as a whole


def _not_a_choice(value: object) -> str:
    # The message of a form's choice field, so a refused code reads the same from the service as from the form.
    return str(forms.ChoiceField.default_error_messages["invalid_choice"] % {"value": value})


def programme_problems(details: ProgrammeDetails) -> Problems:
    """Codes from the frameworks: a detailed ISCED-F field, levels of their frameworks, known languages."""
    problems: Problems = []
    field = fw.isced_field(details.isced_code) if isinstance(details.isced_code, str) else None
    if field is None or field.group != "detailed":
        problems.append(("isced_code", _not_a_choice(details.isced_code)))
    for name, framework in (("kz_nqf_level", "kz_nqf"), ("eqf_level", "eqf"), ("cn_level", "cn")):
        value = getattr(details, name)
        if value and value not in {t.code for t in fw.levels(framework)}:
            problems.append((name, _not_a_choice(value)))
    languages = {t.code for t in fw.languages()}
    problems += [("languages", _not_a_choice(code)) for code in details.languages if code not in languages]
    return problems


def module_problems(details: ModuleDetails) -> Problems:
    """Credits and order within the bounds of the form's fields, with those fields' messages."""
    problems: Problems = []
    for name, low, high in (("credits", 1, CREDITS_MAX), ("order", 0, ORDER_MAX)):
        try:
            forms.IntegerField(min_value=low, max_value=high).clean(getattr(details, name))
        except ValidationError as error:
            problems += [(name, str(m)) for m in error.messages]
    return problems


def outcome_problems(texts: list[str]) -> Problems:
    if not any(texts):
        return [("__all__", str(_("Write the outcome in at least one language.")))]
    return []


def as_errors(problems: Problems) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field, []).append(message)
    return errors
