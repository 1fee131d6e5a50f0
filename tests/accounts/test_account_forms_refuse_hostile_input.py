"""The profile page's forms answer hostile values with a 422 and change nothing."""

import pytest

from ortaq.accounts.models import ApiToken, LanguageCertificate


@pytest.mark.parametrize("name", ["a\x00b", "\x1b[31m", "x" * 101])
def test_an_api_token_with_a_hostile_name_is_refused(client, world, name):
    client.force_login(world["student_a"])
    response = client.post("/en/accounts/tokens/", {"name": name})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("address, data", [
    ("accessibility/", {"a-accessibility_needs": "x" * 100_000, "a-consent": "on"}),
    ("accessibility/", {"a-accessibility_needs": "\x1b[2J", "a-consent": "on"}),
    ("certificates/", {"c-language": "zh", "c-framework": "hsk", "c-level": "3", "c-issued_on": "0001-01-01"}),
    ("", {"p-full_name": "a\x00b"}),
    ("", {"p-preferred_language": "xx"}),
])
def test_the_profile_forms_refuse_hostile_values(client, world, address, data):
    person = world["student_a"]
    client.force_login(person)
    response = client.post(f"/en/accounts/profile/{address}", data)
    assert response.status_code == 422
    person.refresh_from_db()
    assert person.accessibility_needs == "" and person.full_name == "Student_A"
    assert not LanguageCertificate.objects.exists()
