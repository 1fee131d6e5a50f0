from dataclasses import replace

import pytest
from django.core import mail

from ortaq.accounts import selectors, services
from ortaq.accounts.models import ApiToken
from ortaq.accounts.types import AccessibilityChoice, LanguageCertificateDetails, ProfileDetails
from ortaq.errors import Forbidden, ValidationFailed
from ortaq.validators import kz_check_digit


def test_a_person_sets_names_and_a_valid_iin_and_the_latin_form_is_suggested(world):
    iin = "0503156500" + "1"
    iin += str(kz_check_digit(iin))
    person = services.profile_update(actor=world["student_a"], person=world["student_a"], details=replace(ProfileDetails.of(world["student_a"]), full_name="Дана Серікқызы", full_name_latin="", iin=iin))
    assert person.full_name_latin == "Dana Serikkyzy"
    assert person.iin == iin


def test_a_wrong_iin_is_refused(world):
    with pytest.raises(ValidationFailed) as error:
        services.profile_update(actor=world["student_a"], person=world["student_a"], details=replace(ProfileDetails.of(world["student_a"]), iin="050315650012"))
    assert "iin" in error.value.errors


def test_a_coordinator_of_b_cannot_edit_a_student_of_a(world):
    with pytest.raises(Forbidden):
        services.profile_update(actor=world["coordinator_b"], person=world["student_a"], details=replace(ProfileDetails.of(world["student_a"]), full_name="X"))


def test_accessibility_needs_are_kept_only_with_consent_and_shown_only_to_those_who_act(world):
    with pytest.raises(ValidationFailed):
        services.accessibility_update(actor=world["student_a"], person=world["student_a"], choice=AccessibilityChoice(needs="Wheelchair user", consent=False))
    services.accessibility_update(actor=world["student_a"], person=world["student_a"], choice=AccessibilityChoice(needs="Wheelchair user", consent=True))
    student = world["student_a"]
    assert selectors.may_see_accessibility_needs(actor=world["coordinator_a"], person=student)
    assert not selectors.may_see_accessibility_needs(actor=world["teacher_a"], person=student)
    assert not selectors.may_see_accessibility_needs(actor=world["coordinator_b"], person=student)
    assert not selectors.may_see_accessibility_needs(actor=world["analyst"], person=student)
    services.accessibility_update(actor=student, person=student, choice=AccessibilityChoice(needs="", consent=False))
    student.refresh_from_db()
    assert student.accessibility_needs == "" and student.accessibility_consent_at is None


def test_language_certificates_are_checked_against_their_framework(world):
    certificate = services.language_certificate_add(actor=world["student_a"], person=world["student_a"], certificate=LanguageCertificateDetails(language="zh", framework="hsk", level="4"))
    assert str(certificate) == "zh HSK 4"
    for bad in ({"language": "zh", "framework": "hsk", "level": "B2"}, {"language": "en", "framework": "hsk", "level": "3"}, {"language": "ru", "framework": "kaztest", "level": "B1"}):
        with pytest.raises(ValidationFailed):
            services.language_certificate_add(actor=world["student_a"], person=world["student_a"], certificate=LanguageCertificateDetails(**bad))


def test_an_api_token_is_shown_once_stored_as_a_hash_and_revocable(client, world):
    token, secret = services.api_token_create(actor=world["teacher_a"], name="laptop")
    assert secret.startswith("ortaq_") and secret not in token.digest
    assert ApiToken.objects.get(pk=token.pk).digest == ApiToken.digest_of(secret)
    assert client.get("/api/v1/institutions/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    services.api_token_revoke(actor=world["teacher_a"], token=token)
    assert client.get("/api/v1/institutions/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_password_reset_sends_a_link_by_email(client, world):
    world["teacher_a"].email = "teacher@example.kz"
    world["teacher_a"].save()
    response = client.post("/en/accounts/password/reset/", {"email": "teacher@example.kz"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/en/accounts/password/reset/" in mail.outbox[0].body


def test_password_change_works_for_a_signed_in_user(client, world):
    client.force_login(world["teacher_a"])
    response = client.post("/en/accounts/password/", {"old_password": "correct horse battery", "new_password1": "a much longer secret 42", "new_password2": "a much longer secret 42"})
    assert response.status_code == 302
    world["teacher_a"].refresh_from_db()
    assert world["teacher_a"].check_password("a much longer secret 42")


def test_the_profile_page_creates_a_token_and_shows_it_once(client, world):
    client.force_login(world["teacher_a"])
    client.post("/en/accounts/tokens/", {"name": "script"})
    first = client.get("/en/accounts/profile/").content.decode()
    second = client.get("/en/accounts/profile/").content.decode()
    assert 'id="new-token"' in first and 'id="new-token"' not in second
