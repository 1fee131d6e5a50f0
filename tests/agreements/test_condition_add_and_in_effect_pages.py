"""Two agreement actions driven through the agreement page: adding a cooperation condition and putting an approved
agreement into effect. The person allowed sees the effect on the page and in the database; someone of another
institution, or a reader who may not act, is refused and nothing is written."""

from __future__ import annotations

import pytest

from ortaq.agreements import services
from ortaq.agreements.models import AgreementState, CooperationCondition
from ortaq.audit.models import AuditEvent
from tests.conftest import condition_data


def test_the_initiators_coordinator_adds_a_condition_on_the_page(client, world, draft_ac):
    client.force_login(world["coordinator_a"])
    data = condition_data(world.a, world.c, places_per_year=7, mobility_type="teacher_internship") | {"version": draft_ac.version}
    response = client.post(f"/en/agreements/{draft_ac.pk}/conditions/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/en/agreements/{draft_ac.pk}/"
    assert "Condition added." in response.text
    added = CooperationCondition.objects.get(agreement=draft_ac, places_per_year=7)
    assert added.mobility_type == "teacher_internship"
    assert AuditEvent.objects.filter(object_type="agreements.cooperationcondition", object_id=str(added.pk), action="create", actor=world["coordinator_a"]).exists()


def test_a_condition_naming_an_institution_that_is_not_a_party_is_refused_on_the_page(client, world, draft_ac):
    client.force_login(world["coordinator_a"])
    response = client.post(f"/en/agreements/{draft_ac.pk}/conditions/", condition_data(world.a, world.b))
    assert response.status_code == 422
    assert draft_ac.conditions.count() == 1


@pytest.mark.parametrize("who, status", [("coordinator_b", 404), ("teacher_a", 403)])
def test_another_institution_or_a_reader_cannot_add_a_condition(client, world, draft_ac, who, status):
    client.force_login(world[who])
    response = client.post(f"/en/agreements/{draft_ac.pk}/conditions/", condition_data(world.a, world.c, places_per_year=9))
    assert response.status_code == status
    assert draft_ac.conditions.count() == 1 and not CooperationCondition.objects.filter(places_per_year=9).exists()


@pytest.fixture
def approved_ac(world, proposed_ac):
    services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.a)
    services.agreement_approve(actor=world["coordinator_c"], agreement=proposed_ac, institution=world.c)
    proposed_ac.refresh_from_db()
    assert proposed_ac.state == AgreementState.APPROVED
    return proposed_ac


def test_a_partys_coordinator_puts_an_approved_agreement_into_effect_on_the_page(client, world, approved_ac):
    client.force_login(world["coordinator_c"])
    response = client.post(f"/en/agreements/{approved_ac.pk}/in-effect/", follow=True)
    assert "The agreement is now in effect." in response.text
    approved_ac.refresh_from_db()
    assert approved_ac.state == AgreementState.IN_EFFECT
    assert AuditEvent.objects.filter(object_type="agreements.agreement", object_id=str(approved_ac.pk), action="transition",
                                     after={"state": "in_effect"}, actor=world["coordinator_c"]).exists()


@pytest.mark.parametrize("who, status", [("coordinator_b", 404), ("teacher_a", 403)])
def test_another_institution_or_a_reader_cannot_put_it_into_effect(client, world, approved_ac, who, status):
    client.force_login(world[who])
    assert client.post(f"/en/agreements/{approved_ac.pk}/in-effect/").status_code == status
    approved_ac.refresh_from_db()
    assert approved_ac.state == AgreementState.APPROVED
    assert not AuditEvent.objects.filter(object_type="agreements.agreement", after={"state": "in_effect"}).exists()


def test_a_draft_cannot_be_put_into_effect_from_the_page(client, world, draft_ac):
    client.force_login(world["coordinator_a"])
    assert client.post(f"/en/agreements/{draft_ac.pk}/in-effect/").status_code == 400
    draft_ac.refresh_from_db()
    assert draft_ac.state == AgreementState.DRAFT

