"""The rules a person's profile, language certificates and accessibility choice obey beyond their models' own
checks: the forms show them (accounts.forms) and the services enforce them on the typed details they take
(accounts.services), with the same messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ortaq.engines import frameworks as fw
from ortaq.validators import validate_iin

if TYPE_CHECKING:
    from .types import LanguageCertificateDetails, ProfileDetails

Problems = list[tuple[str, str]]  # (field, message)


def passport_problems(*, passport_number: str, passport_country: str) -> Problems:
    if passport_number and not passport_country:
        return [("passport_country", str(_("Give the country that issued the passport.")))]
    return []


def profile_problems(details: ProfileDetails) -> Problems:
    problems: Problems = []
    if details.iin:
        try:
            validate_iin(details.iin)
        except ValidationError as error:
            problems += [("iin", str(m)) for m in error.messages]
    return problems + passport_problems(passport_number=details.passport_number, passport_country=details.passport_country)


def consent_problems(*, needs: str, consent: bool) -> Problems:
    if needs and not consent:
        return [("consent", str(_("We store accessibility needs only with your explicit consent.")))]
    return []


def certificate_level_problems(*, framework: str | None, language: str | None, level: str) -> Problems:
    """The level exists in the framework; HSK certifies Chinese, KAZTEST Kazakh."""
    problems: Problems = []
    if framework and level and fw.language_level_rank(framework, level) is None:
        levels = ", ".join(t.code for t in fw.language_levels(framework))
        problems.append(("level", str(_("Levels of this framework: %(levels)s") % {"levels": levels})))
    if framework == "hsk" and language not in (None, "zh"):
        problems.append(("language", str(_("HSK certifies Chinese only."))))
    if framework == "kaztest" and language not in (None, "kk"):
        problems.append(("language", str(_("KAZTEST certifies Kazakh only."))))
    return problems


def _not_a_choice(value: object) -> str:
    # The message of a form's choice field, so a refused code reads the same from the service as from the form.
    return str(forms.ChoiceField.default_error_messages["invalid_choice"] % {"value": value})


def certificate_problems(details: LanguageCertificateDetails) -> Problems:
    problems: Problems = []
    if details.framework not in {t.code for t in fw.language_frameworks()}:
        problems.append(("framework", _not_a_choice(details.framework)))
    if details.language not in {t.code for t in fw.languages()}:
        problems.append(("language", _not_a_choice(details.language)))
    return problems or certificate_level_problems(framework=details.framework, language=details.language, level=details.level)


def as_errors(problems: Problems) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field, []).append(message)
    return errors
