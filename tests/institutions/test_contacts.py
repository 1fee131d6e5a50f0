"""An institution's contacts: a coordinator adds one through the institution's page (audited, with a Latin form
of the name made for partners abroad) and `contact_remove` deletes one with an audit record of what it held (no
page removes contacts yet). A coordinator of another institution is refused and nothing is written."""

from __future__ import annotations

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.errors import Forbidden
from ortaq.institutions import services
from ortaq.institutions.types import ContactDetails
from ortaq.institutions.models import Contact


def test_a_coordinator_adds_a_contact_on_the_institutions_page(client, world):
    client.force_login(world["coordinator_a"])

    response = client.post(f"/en/institutions/{world.a.pk}/contacts/", {"name": "Айгүл Сәрсенова", "position": "International office", "email": "aigul@example.kz"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/en/institutions/{world.a.pk}/"
    assert "Contact added." in response.text and "aigul@example.kz" in response.text
    contact = Contact.objects.get()
    assert contact.institution == world.a and contact.name_latin  # made from the Kazakh name
    event = AuditEvent.objects.get(object_type="institutions.contact")
    assert (event.action, event.actor, event.summary) == ("create", world["coordinator_a"], str(world.a))
    assert event.after["email"] == "aigul@example.kz"


@pytest.mark.parametrize("who", ["coordinator_b", "teacher_a", "student_a"])
def test_nobody_but_the_institutions_stewards_adds_contacts(client, world, who):
    client.force_login(world[who])
    response = client.post(f"/en/institutions/{world.a.pk}/contacts/", {"name": "Intruder", "email": "x@example.org"})
    assert response.status_code == 403
    assert not Contact.objects.exists() and not AuditEvent.objects.filter(object_type="institutions.contact").exists()


def test_a_contact_with_a_bad_email_is_refused_on_the_page(client, world):
    client.force_login(world["coordinator_a"])
    response = client.post(f"/en/institutions/{world.a.pk}/contacts/", {"name": "Someone", "email": "not an address"})
    assert response.status_code == 422
    assert "The contact was not added" in response.text
    assert not Contact.objects.exists()


def test_removing_a_contact_deletes_it_and_keeps_what_it_held_in_the_audit_trail(world):
    contact = services.contact_add(actor=world["coordinator_a"], institution=world.a, contact=ContactDetails(name="Dana", email="dana@example.kz"))
    services.contact_remove(actor=world["coordinator_a"], contact=contact)
    assert not Contact.objects.exists()
    event = AuditEvent.objects.get(object_type="institutions.contact", action="delete")
    assert event.actor == world["coordinator_a"] and event.before["email"] == "dana@example.kz"


def test_a_coordinator_of_another_institution_cannot_remove_a_contact(world):
    contact = services.contact_add(actor=world["coordinator_a"], institution=world.a, contact=ContactDetails(name="Dana", email="dana@example.kz"))
    with pytest.raises(Forbidden):
        services.contact_remove(actor=world["coordinator_b"], contact=contact)
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert not AuditEvent.objects.filter(object_type="institutions.contact", action="delete").exists()
