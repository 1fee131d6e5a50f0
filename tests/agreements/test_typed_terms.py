"""The services take typed terms (AgreementTerms, ConditionTerms) and enforce the rules themselves: a caller
that bypasses the web form and the API schema gets the same refusal, with the same code and message, and
nothing is written (issue 14)."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest

from ortaq.agreements import services
from ortaq.agreements.forms import AgreementForm, ConditionForm
from ortaq.agreements.models import Agreement
from ortaq.agreements.types import AgreementTerms, ConditionTerms
from ortaq.errors import ErrorCode, ValidationFailed
from tests.conftest import agreement_data, agreement_terms, condition_data, condition_terms


@pytest.mark.parametrize("overrides, field", [
    ({"start_year": 1999}, "start_year"),
    ({"end_year": 2101}, "end_year"),
    ({"start_year": 2027, "end_year": 2025}, "end_year"),
    ({"kind": "treaty"}, "kind"),
    ({"title": ""}, "title"),
    ({"title": "x" * 301}, "title"),
])
def test_terms_the_form_refuses_are_refused_by_the_service_with_the_same_message(world, overrides, field):
    form = AgreementForm(data=agreement_data(**overrides))
    assert not form.is_valid()
    with pytest.raises(ValidationFailed) as error:
        services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(**overrides), initiator=world.a, parties=[world.c])
    assert error.value.code == ErrorCode.VALIDATION
    assert error.value.errors[field] == [str(m) for m in form.errors[field]]
    assert not Agreement.objects.exists()


def test_control_characters_in_a_title_are_refused_without_a_form(world):
    with pytest.raises(ValidationFailed) as error:
        services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(title="A\x1b[2J"), initiator=world.a, parties=[world.c])
    assert error.value.code == "validation" and "title" in error.value.errors
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("overrides, field", [
    ({"places_per_year": 0}, "places_per_year"),
    ({"duration": 731}, "duration"),
    ({"isced_code": "0123"}, "isced_code"),
    ({"eqf_level": "12"}, "eqf_level"),
    ({"language_framework": "", "language_min_level": "3"}, "language_framework"),
    ({"language": "", "language_framework": "hsk", "language_min_level": "3"}, "language"),
    ({"end_year": 2031}, "end_year"),
    ({"mobility_type": "tourism"}, "mobility_type"),
])
def test_a_condition_the_form_refuses_is_refused_by_the_service_with_the_same_code(world, draft_ac, overrides, field):
    form = ConditionForm(data=condition_data(world.a, world.c, **overrides), agreement=draft_ac, party_queryset=draft_ac.parties.all())
    assert not form.is_valid() and field in form.errors
    version = draft_ac.version
    with pytest.raises(ValidationFailed) as error:
        services.condition_add(actor=world["coordinator_a"], agreement=draft_ac, terms=condition_terms(world.a, world.c, **overrides))
    assert error.value.code == ErrorCode.VALIDATION and field in error.value.errors
    draft_ac.refresh_from_db()
    assert draft_ac.version == version and draft_ac.conditions.count() == 1


def test_an_update_that_names_an_institution_outside_the_agreement_is_refused(world, draft_ac):
    condition = draft_ac.conditions.get()
    with pytest.raises(ValidationFailed) as error:
        services.condition_update(actor=world["coordinator_a"], condition=condition, terms=replace(ConditionTerms.of(condition), sending_id=world.b.pk))
    assert error.value.errors["sending"] == ["The sending institution must be a party to the agreement."]
    condition.refresh_from_db()
    assert condition.sending_id == world.a.pk


def test_a_partial_edit_is_the_stored_terms_with_the_change(world, draft_ac):
    updated = services.agreement_update(actor=world["coordinator_a"], agreement=draft_ac, terms=replace(AgreementTerms.of(draft_ac), reference="IIA-7"))
    assert (updated.reference, updated.title, updated.start_year) == ("IIA-7", draft_ac.title, draft_ac.start_year)
    assert AgreementTerms.of(updated) == replace(AgreementTerms.of(draft_ac), reference="IIA-7")


def test_terms_are_frozen_once_built(world):
    terms = agreement_terms()
    with pytest.raises(dataclasses.FrozenInstanceError):
        terms.title = "changed after validation"  # type: ignore[misc]


def _api(client, user, method: str, path: str, body: dict):
    import json

    from ortaq.accounts.services import api_token_create

    _token, secret = api_token_create(actor=user, name="test")
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_api_refuses_a_reader_who_may_not_edit_before_it_reads_the_input(client, world, proposed_ac):
    response = _api(client, world["teacher_a"], "patch", f"/api/v1/agreements/{proposed_ac.pk}", {"start_year": 1999})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_the_api_validates_a_patch_over_the_stored_terms(client, world, proposed_ac):
    response = _api(client, world["coordinator_c"], "patch", f"/api/v1/agreements/{proposed_ac.pk}", {"start_year": 1999})
    assert response.status_code == 422 and response.json()["code"] == "validation"
    response = _api(client, world["coordinator_c"], "patch", f"/api/v1/agreements/{proposed_ac.pk}", {"reference": "IIA-9"})
    assert response.status_code == 200 and response.json()["reference"] == "IIA-9" and response.json()["title"] == proposed_ac.title
