from dataclasses import replace

import pytest

from ortaq.agreements import selectors, services
from ortaq.agreements.types import AgreementTerms
from ortaq.agreements.models import AgreementState
from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from tests.conftest import agreement_data, agreement_terms, condition_terms


def test_it_becomes_approved_only_when_every_party_has_approved(world, proposed_ac):
    services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.a)
    proposed_ac.refresh_from_db()
    assert proposed_ac.state == AgreementState.PROPOSED
    services.agreement_approve(actor=world["coordinator_c"], agreement=proposed_ac, institution=world.c)
    proposed_ac.refresh_from_db()
    assert proposed_ac.state == AgreementState.APPROVED


def test_an_approval_records_who_when_and_the_hash_of_the_exact_version(world, proposed_ac):
    approval = services.agreement_approve(actor=world["coordinator_c"], agreement=proposed_ac, institution=world.c)
    version = proposed_ac.versions.get(number=proposed_ac.version)
    assert approval.approved_by == world["coordinator_c"]
    assert approval.approved_at is not None
    assert approval.sha256 == version.sha256 == services.canonical_sha256(version.content)
    assert len(approval.sha256) == 64


def test_an_edit_voids_approvals_and_needs_them_again(world, proposed_ac):
    services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.a)
    services.agreement_approve(actor=world["coordinator_c"], agreement=proposed_ac, institution=world.c)
    proposed_ac.refresh_from_db()
    assert proposed_ac.state == AgreementState.APPROVED
    updated = services.agreement_update(actor=world["coordinator_c"], agreement=proposed_ac, terms=replace(AgreementTerms.of(proposed_ac), title="A–C internships, amended"))
    assert updated.state == AgreementState.PROPOSED
    assert updated.version == proposed_ac.version + 1
    assert list(selectors.current_approvals(updated)) == []
    assert updated.approvals.filter(voided_at__isnull=False).count() == 2
    # Approving the new version works again, and only it counts.
    services.agreement_approve(actor=world["coordinator_a"], agreement=updated, institution=world.a)
    assert [a.institution for a in selectors.current_approvals(updated)] == [world.a]


def test_an_institution_cannot_approve_the_same_version_twice(world, proposed_ac):
    services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.a)
    with pytest.raises(DomainError) as error:
        services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.a)
    assert error.value.code == "already_approved"


def test_a_coordinator_cannot_approve_for_another_institution(world, proposed_ac):
    with pytest.raises(Forbidden):
        services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.c)


def test_a_non_party_cannot_be_recorded_as_approving(world, proposed_ac):
    with pytest.raises(DomainError) as error:
        services.agreement_approve(actor=world["coordinator_b"], agreement=proposed_ac, institution=world.b)
    assert error.value.code == "not_party"


def test_a_draft_cannot_be_approved_before_it_is_proposed(world, draft_ac):
    with pytest.raises(DomainError) as error:
        services.agreement_approve(actor=world["coordinator_a"], agreement=draft_ac, institution=world.a)
    assert error.value.code == "state"


def test_an_inter_institutional_agreement_needs_a_condition_before_it_is_proposed(world):
    agreement = services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(), initiator=world.a, parties=[world.c])
    with pytest.raises(DomainError) as error:
        services.agreement_propose(actor=world["coordinator_a"], agreement=agreement)
    assert error.value.code == "no_conditions"


def test_the_full_lifecycle_ends_in_effect_then_terminated_with_a_reason(world, proposed_ac):
    services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.a)
    services.agreement_approve(actor=world["coordinator_c"], agreement=proposed_ac, institution=world.c)
    services.agreement_put_into_effect(actor=world["coordinator_c"], agreement=proposed_ac)
    with pytest.raises(ValidationFailed):
        services.agreement_terminate(actor=world["coordinator_a"], agreement=proposed_ac, reason="  ")
    terminated = services.agreement_terminate(actor=world["coordinator_a"], agreement=proposed_ac, reason="Programme closed")
    assert terminated.state == AgreementState.TERMINATED
    assert terminated.terminated_reason == "Programme closed"
    states = [e.after["state"] for e in AuditEvent.objects.filter(object_id=str(proposed_ac.pk), action="transition").order_by("id") if e.after]
    assert states == ["proposed", "approved", "in_effect", "terminated"]


def test_an_agreement_in_effect_can_no_longer_be_edited(world, proposed_ac):
    services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.a)
    services.agreement_approve(actor=world["coordinator_c"], agreement=proposed_ac, institution=world.c)
    services.agreement_put_into_effect(actor=world["coordinator_a"], agreement=proposed_ac)
    with pytest.raises(DomainError) as error:
        services.agreement_update(actor=world["coordinator_a"], agreement=proposed_ac, terms=replace(AgreementTerms.of(proposed_ac), title="Changed"))
    assert error.value.code == "locked"


def test_an_edit_based_on_a_stale_version_is_refused(world, draft_ac):
    stale = draft_ac.version
    services.agreement_update(actor=world["coordinator_a"], agreement=draft_ac, terms=replace(AgreementTerms.of(draft_ac), title="First edit"), expected_version=stale)
    with pytest.raises(DomainError) as error:
        services.agreement_update(actor=world["coordinator_a"], agreement=draft_ac, terms=replace(AgreementTerms.of(draft_ac), title="Second edit"), expected_version=stale)
    assert error.value.code == "version_conflict" and error.value.current_version == stale + 1
    draft_ac.refresh_from_db()
    assert draft_ac.title == "First edit"


def test_every_version_is_kept_and_the_differences_can_be_listed(world, draft_ac):
    services.agreement_update(actor=world["coordinator_a"], agreement=draft_ac, terms=replace(AgreementTerms.of(draft_ac), title="Renamed"))
    versions = list(selectors.versions_of(draft_ac))
    assert [v.number for v in versions] == [3, 2, 1]
    rows = selectors.diff_versions(versions[1], versions[0])
    assert ("title", "A–C internships", "Renamed") in rows


def test_the_hash_is_the_sha256_of_canonical_json(world, draft_ac):
    import hashlib
    import json

    version = draft_ac.versions.get(number=draft_ac.version)
    expected = hashlib.sha256(json.dumps(version.content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    assert version.sha256 == expected


def test_a_saved_edit_that_changes_nothing_makes_no_new_version(world, draft_ac):
    before = draft_ac.version
    services.agreement_update(actor=world["coordinator_a"], agreement=draft_ac, terms=replace(AgreementTerms.of(draft_ac), title=draft_ac.title))
    draft_ac.refresh_from_db()
    assert draft_ac.version == before


@pytest.mark.parametrize(
    "data, field",
    [
        (agreement_data(start_year=2027, end_year=2025), "end_year"),
        (agreement_data(kind="treaty"), "kind"),
        (agreement_data(title=""), "title"),
    ],
)
def test_bad_agreement_input_is_refused_with_a_field_error(world, data, field):
    with pytest.raises(ValidationFailed) as error:
        services.agreement_create(actor=world["coordinator_a"], terms=AgreementTerms(**data), initiator=world.a, parties=[world.c])
    assert field in error.value.errors


def test_an_agreement_needs_two_parties(world):
    with pytest.raises(ValidationFailed) as error:
        services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(), initiator=world.a, parties=[world.a])
    assert "parties" in error.value.errors


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"places_per_year": 0}, "places_per_year"),
        ({"places_per_year": -3}, "places_per_year"),
        ({"isced_code": "9999x"}, "isced_code"),
        ({"isced_code": "0123"}, "isced_code"),
        ({"start_year": 2027, "end_year": 2026}, "end_year"),
        ({"end_year": 2031}, "end_year"),
        ({"language_min_level": "C3"}, "language_min_level"),
        ({"duration": 0}, "duration"),
    ],
)
def test_bad_condition_input_is_refused_and_nothing_changes(world, draft_ac, overrides, field):
    version = draft_ac.version
    with pytest.raises(ValidationFailed) as error:
        services.condition_add(actor=world["coordinator_a"], agreement=draft_ac, terms=condition_terms(world.a, world.c, **overrides))
    assert field in error.value.errors
    draft_ac.refresh_from_db()
    assert draft_ac.version == version
    assert draft_ac.conditions.count() == 1


def test_a_condition_must_name_parties_of_the_agreement(world, draft_ac):
    with pytest.raises(ValidationFailed) as error:
        services.condition_add(actor=world["coordinator_a"], agreement=draft_ac, terms=condition_terms(world.a, world.b))
    assert "receiving" in error.value.errors


def test_error_messages_are_translated(world, draft_ac):
    from django.utils import translation

    with translation.override("ru"):
        with pytest.raises(ValidationFailed) as error:
            services.condition_add(actor=world["coordinator_a"], agreement=draft_ac, terms=condition_terms(world.a, world.c, start_year=2027, end_year=2026))
    message = error.value.errors["end_year"][0]
    assert message != "The last academic year cannot be before the first."
    assert any("\u0400" <= ch <= "\u04ff" for ch in message)
