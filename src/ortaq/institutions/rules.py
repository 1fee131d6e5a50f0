"""The rules an institution's profile obeys beyond its model's own checks, in one place: the web form shows
them field by field (institutions.forms) and the services enforce them on the typed details they take
(institutions.services), so that the web, the API and the file import are held to the same rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.validators import validate_bin, validate_schac_domain, validate_uscc

if TYPE_CHECKING:
    from .types import InstitutionDetails

Problems = list[tuple[str, str]]  # (field, message)


def registration_problems(*, country: str | None, kz_bin: str, cn_uscc: str) -> Problems:
    """A BIN only in Kazakhstan, a USCC only in China."""
    problems: Problems = []
    if kz_bin and country not in (None, "KZ"):
        problems.append(("kz_bin", str(_("A BIN is issued only to institutions registered in Kazakhstan."))))
    if cn_uscc and country not in (None, "CN"):
        problems.append(("cn_uscc", str(_("A unified social credit code is issued only in China."))))
    return problems


def _not_a_choice(value: object) -> str:
    # The message of a form's choice field, so a refused code reads the same from the service as from the form.
    return str(forms.ChoiceField.default_error_messages["invalid_choice"] % {"value": value})


def details_problems(details: InstitutionDetails) -> Problems:
    """What the services refuse in an institution's details beyond what its model checks: a country and
    facilities from the frameworks, valid registration numbers, and the rules between values."""
    problems: Problems = []
    if fw.country(details.country) is None:
        problems.append(("country", _not_a_choice(details.country)))
    facilities = {t.code for t in fw.accessibility_facilities()}
    for code in details.accessibility_facilities:
        if code not in facilities:
            problems.append(("accessibility_facilities", _not_a_choice(code)))
    for name, validate in (("kz_bin", validate_bin), ("cn_uscc", validate_uscc), ("schac", validate_schac_domain)):
        value = getattr(details, name)
        if value:
            try:
                validate(value)
            except ValidationError as error:
                problems += [(name, str(m)) for m in error.messages]
    return problems + registration_problems(country=details.country, kz_bin=details.kz_bin, cn_uscc=details.cn_uscc)


def as_errors(problems: Problems) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field, []).append(message)
    return errors
