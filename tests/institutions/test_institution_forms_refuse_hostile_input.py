"""Institution forms refuse control characters and oversized text, and a refused contact is a 4xx."""

import pytest

from ortaq.institutions.models import Contact, Institution


@pytest.mark.parametrize("data", [{"name": "a\x00b"}, {"name": "\x1b[31mred"}, {"name": "x" * 100_000}, {"email": "not an address"}, {}])
def test_a_refused_contact_is_a_422_on_the_institutions_page(client, world, data):
    client.force_login(world["coordinator_a"])
    response = client.post(f"/en/institutions/{world.a.pk}/contacts/", data)
    assert response.status_code == 422 and b"The contact was not added" in response.content
    assert not Contact.objects.exists()


def test_an_institution_named_with_a_terminal_escape_is_refused(client, world):
    client.force_login(world["coordinator_a"])
    data = {"kind": "college", "name_original": "\x1b]0;pwned\x07", "country": "KZ", "city": "Almaty"}
    response = client.post(f"/en/institutions/{world.a.pk}/edit/", data)
    assert response.status_code == 422 and b"Remove the control characters from this text." in response.content
    assert Institution.objects.get(pk=world.a.pk).name_original == "College A"
