"""Internship offers on their pages: the host's supervisor publishes a draft offer from the offers page and it is
listed as published; someone of another institution cannot publish it, and nothing changes."""

from __future__ import annotations

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.mobility import services
from ortaq.mobility.models import InternshipOffer, OfferState
from tests.mobility.conftest import offer_input


@pytest.fixture
def draft_offer(enterprise):
    company, supervisor = enterprise
    return services.offer_create(actor=supervisor, host=company, offer=offer_input(title="CNC operator intern", tasks="Run CNC lathes"))


def test_the_hosts_supervisor_publishes_a_draft_offer_on_the_offers_page(client, enterprise, draft_offer):
    _company, supervisor = enterprise
    client.force_login(supervisor)
    assert "CNC operator intern" in client.get("/en/mobility/offers/").text
    response = client.post(f"/en/mobility/offers/{draft_offer.pk}/publish/", follow=True)
    assert response.redirect_chain[-1][0] == "/en/mobility/offers/"
    assert "The offer is published." in response.text and "CNC operator intern" in response.text
    assert InternshipOffer.objects.get(pk=draft_offer.pk).state == OfferState.PUBLISHED
    assert AuditEvent.objects.filter(object_type="mobility.internshipoffer", object_id=str(draft_offer.pk), action="transition",
                                     actor=supervisor, after={"state": "published"}).exists()


def test_publishing_twice_is_refused(client, enterprise, draft_offer):
    _company, supervisor = enterprise
    services.offer_publish(actor=supervisor, offer=draft_offer)
    client.force_login(supervisor)
    response = client.post(f"/en/mobility/offers/{draft_offer.pk}/publish/")
    assert response.status_code == 400 and "Only a draft offer can be published." in response.text


@pytest.mark.parametrize("who", ["coordinator_b", "coordinator_a", "student_a"])
def test_nobody_outside_the_host_publishes_its_offer(client, world, draft_offer, who):
    client.force_login(world[who])
    assert client.post(f"/en/mobility/offers/{draft_offer.pk}/publish/").status_code == 404  # a draft is the host's own
    assert "CNC operator intern" not in client.get("/en/mobility/offers/").text
    assert InternshipOffer.objects.get(pk=draft_offer.pk).state == OfferState.DRAFT
    assert not AuditEvent.objects.filter(object_type="mobility.internshipoffer", action="transition").exists()
