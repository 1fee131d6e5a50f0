"""The services take typed values (ProfileDetails, AccessibilityChoice, LanguageCertificateDetails) and enforce
the rules themselves: a caller that bypasses the profile page's forms gets the same refusal, with the same code
and message, and nothing is written (issue 14)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ortaq.accounts import services
from ortaq.accounts.forms import AccessibilityForm, LanguageCertificateForm, ProfileForm
from ortaq.accounts.models import LanguageCertificate, User
from ortaq.accounts.types import AccessibilityChoice, LanguageCertificateDetails, ProfileDetails
from ortaq.errors import ErrorCode, ValidationFailed


@pytest.mark.parametrize("change, field", [
    ({"passport_number": "N1234567"}, "passport_country"),
    ({"iin": "123"}, "iin"),
    ({"preferred_language": "xx"}, "preferred_language"),
    ({"full_name": "a\x00b"}, "full_name"),
])
def test_a_profile_the_form_refuses_is_refused_by_the_service(world, change, field):
    person = world["student_a"]
    details = replace(ProfileDetails.of(person), **change)
    form = ProfileForm(data=details.__dict__, instance=User.objects.get(pk=person.pk))
    assert not form.is_valid() and field in form.errors
    with pytest.raises(ValidationFailed) as error:
        services.profile_update(actor=person, person=person, details=details)
    assert error.value.code == ErrorCode.VALIDATION and field in error.value.errors
    assert ProfileDetails.of(User.objects.get(pk=person.pk)) == ProfileDetails.of(person)


def test_needs_without_consent_are_refused_with_the_forms_message_and_nothing_is_stored(world):
    person = world["student_a"]
    form = AccessibilityForm(data={"accessibility_needs": "Step-free access"})
    assert not form.is_valid()
    with pytest.raises(ValidationFailed) as error:
        services.accessibility_update(actor=person, person=person, choice=AccessibilityChoice(needs="Step-free access"))
    assert error.value.errors["consent"] == [str(m) for m in form.errors["consent"]]
    person.refresh_from_db()
    assert person.accessibility_needs == "" and person.accessibility_consent_at is None


@pytest.mark.parametrize("certificate, field", [
    (LanguageCertificateDetails(language="zh", framework="toefl", level="3"), "framework"),
    (LanguageCertificateDetails(language="xx", framework="cefr", level="B2"), "language"),
    (LanguageCertificateDetails(language="ru", framework="cefr", level="D9"), "level"),
    (LanguageCertificateDetails(language="ru", framework="kaztest", level="B1"), "language"),
])
def test_a_certificate_the_form_refuses_is_refused_by_the_service(world, certificate, field):
    form = LanguageCertificateForm(data=certificate.__dict__)
    assert not form.is_valid() and field in form.errors
    with pytest.raises(ValidationFailed) as error:
        services.language_certificate_add(actor=world["student_a"], person=world["student_a"], certificate=certificate)
    assert error.value.code == ErrorCode.VALIDATION and field in error.value.errors
    assert not LanguageCertificate.objects.exists()


def test_a_new_account_gets_its_latin_name_from_the_profile(world):
    user = services.user_create(actor=world["admin"], username="dana", password=None, profile=ProfileDetails(full_name="Дана Серікқызы"))
    assert (user.full_name_latin, user.preferred_language, user.has_usable_password()) == ("Dana Serikkyzy", "en", False)
