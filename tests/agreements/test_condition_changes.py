"""Changing an agreement's cooperation conditions: removal through the agreement page (the editor's version is
checked, the agreement gets a new version, the removal is audited) and the `condition_update` service (no page
edits a condition in place yet: the page removes and adds). Someone of another institution, or a reader who may
not edit, is refused and nothing is written."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ortaq.agreements import services
from ortaq.agreements.types import ConditionTerms
from ortaq.agreements.models import CooperationCondition
from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError, Forbidden


def _condition_events(action):
    return AuditEvent.objects.filter(object_type="agreements.cooperationcondition", action=action)


def test_the_initiators_coordinator_removes_a_condition_on_the_agreement_page(client, world, draft_ac):
    condition = draft_ac.conditions.get()
    client.force_login(world["coordinator_a"])
    assert "Remove this condition?" in client.get(f"/en/agreements/{draft_ac.pk}/").text

    response = client.post(f"/en/agreements/{draft_ac.pk}/conditions/{condition.pk}/remove/", {"version": draft_ac.version}, follow=True)

    assert response.redirect_chain[-1][0] == f"/en/agreements/{draft_ac.pk}/"
    assert "Condition removed." in response.text and "No cooperation conditions yet." in response.text
    assert not CooperationCondition.objects.filter(pk=condition.pk).exists()
    [event] = _condition_events("delete")
    assert event.actor == world["coordinator_a"] and event.object_id == str(condition.pk) and event.before["places_per_year"] == 5
    old_version = draft_ac.version
    draft_ac.refresh_from_db()
    assert draft_ac.version == old_version + 1


def test_a_removal_from_a_stale_page_is_refused_and_the_condition_stays(client, world, draft_ac):
    condition = draft_ac.conditions.get()
    client.force_login(world["coordinator_a"])
    response = client.post(f"/en/agreements/{draft_ac.pk}/conditions/{condition.pk}/remove/", {"version": draft_ac.version - 1})
    assert response.status_code == 409  # Conflict: the page was read from a version since replaced
    assert "Someone else changed this agreement" in response.text
    assert CooperationCondition.objects.filter(pk=condition.pk).exists() and not _condition_events("delete").exists()


@pytest.mark.parametrize("who, status", [("coordinator_b", 404), ("teacher_a", 403)])
def test_another_institution_or_a_reader_who_may_not_edit_cannot_remove_a_condition(client, world, draft_ac, who, status):
    condition = draft_ac.conditions.get()
    client.force_login(world[who])
    response = client.post(f"/en/agreements/{draft_ac.pk}/conditions/{condition.pk}/remove/", {"version": draft_ac.version})
    assert response.status_code == status
    assert CooperationCondition.objects.filter(pk=condition.pk).exists() and not _condition_events("delete").exists()
    version = draft_ac.version
    draft_ac.refresh_from_db()
    assert draft_ac.version == version


def test_a_condition_is_updated_with_a_new_agreement_version_and_an_audit_record(world, draft_ac):
    condition = draft_ac.conditions.get()
    services.condition_update(actor=world["coordinator_a"], condition=condition, terms=replace(ConditionTerms.of(condition), places_per_year=8), expected_version=draft_ac.version)
    condition.refresh_from_db()
    assert condition.places_per_year == 8
    [event] = _condition_events("update")
    assert event.actor == world["coordinator_a"] and ("places_per_year", 5, 8) in event.changed_fields()
    version = draft_ac.version
    draft_ac.refresh_from_db()
    assert draft_ac.version == version + 1


def test_an_update_that_changes_nothing_makes_no_version_and_no_record(world, draft_ac):
    condition = draft_ac.conditions.get()
    services.condition_update(actor=world["coordinator_a"], condition=condition, terms=replace(ConditionTerms.of(condition), places_per_year=5))
    version = draft_ac.version
    draft_ac.refresh_from_db()
    assert draft_ac.version == version and not _condition_events("update").exists()


@pytest.mark.parametrize("who", ["coordinator_b", "teacher_a", "coordinator_c"])
def test_only_an_editor_updates_a_condition(world, draft_ac, who):
    condition = draft_ac.conditions.get()
    with pytest.raises(Forbidden):
        services.condition_update(actor=world[who], condition=condition, terms=replace(ConditionTerms.of(condition), places_per_year=50))
    condition.refresh_from_db()
    assert condition.places_per_year == 5 and not _condition_events("update").exists()


def test_a_condition_of_an_agreement_in_effect_is_not_updated(world, draft_ac):
    services.agreement_propose(actor=world["coordinator_a"], agreement=draft_ac)
    services.agreement_approve(actor=world["coordinator_a"], agreement=draft_ac, institution=world.a)
    services.agreement_approve(actor=world["coordinator_c"], agreement=draft_ac, institution=world.c)
    services.agreement_put_into_effect(actor=world["coordinator_a"], agreement=draft_ac)
    condition = draft_ac.conditions.get()
    with pytest.raises(DomainError):
        services.condition_update(actor=world["coordinator_a"], condition=condition, terms=replace(ConditionTerms.of(condition), places_per_year=9))
    condition.refresh_from_db()
    assert condition.places_per_year == 5
