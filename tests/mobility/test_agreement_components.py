"""The agreement's components are picked from the host's and the learner's programmes, not typed."""

import datetime as dt
import re

import pytest

from ortaq.mobility import during
from ortaq.programmes.models import Programme
from tests.mobility.test_during_mobility import accepted, components, outcome  # noqa: F401


@pytest.fixture
def host_module(world, accepted):
    """A module of a programme the host awards (the enterprise's own training programme)."""
    nomination, _learner, _supervisor = accepted
    programme = Programme.objects.create(code="ZE", title_en="Equipment service", title_ru="Сервис оборудования", isced_code="0714")
    programme.awarding_institutions.add(nomination.host)
    return programme.modules.create(code="ZE-3", title_en="Cabinet commissioning", title_ru="Пусконаладка шкафов", credits=4)


@pytest.fixture
def unsigned(world, accepted, outcome):
    nomination, learner, _supervisor = accepted
    nomination.application.programme = outcome.module.programme
    nomination.application.save()
    agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31),
                                                 components=components())
    return agreement, learner


def test_the_edit_page_lists_the_host_modules_and_the_home_modules_outcomes_in_the_readers_language(client, world, unsigned, host_module, outcome):
    agreement, learner = unsigned
    client.force_login(learner)
    page = client.get(f"/ru/mobility/agreements/{agreement.pk}/").content.decode()
    assert 'name="modules" value="%d"' % host_module.pk in page
    assert "ZE-3 Пусконаладка шкафов" in page and "Сервис оборудования" in page
    assert 'name="outcomes" value="%d"' % outcome.pk in page and "Программирует ПЛК" in page
    assert 'name="components"' not in page  # no typed lines before the first signature


def test_posting_chosen_modules_creates_components_with_the_modules_credits_and_outcomes(client, world, unsigned, host_module, outcome):
    agreement, learner = unsigned
    client.force_login(learner)
    response = client.post(f"/en/mobility/agreements/{agreement.pk}/edit/", {
        "version": agreement.version, "modules": [host_module.pk], f"recognised_as_{host_module.pk}": outcome.module_id, "outcomes": [outcome.pk],
        "other_code": "X1", "other_title": "Safety briefing", "other_credits": "0.5"})
    assert response.status_code == 302
    rows = {c.code: (c.title, c.credits, c.recognition, [o.pk for o in c.outcomes.all()]) for c in agreement.components.all()}
    assert rows == {"ZE-3": ("Cabinet commissioning", 4, "PLC PLC", [outcome.pk]), "X1": ("Safety briefing", 0.5, "", [])}
    page = client.get(f"/en/mobility/agreements/{agreement.pk}/").content.decode()
    assert f'value="{host_module.pk}" checked' in page and re.search(rf'name="outcomes" value="{outcome.pk}"[^>]* checked', page)  # still chosen


def test_a_module_of_a_programme_not_party_to_the_agreement_is_refused_and_nothing_is_written(client, world, unsigned, host_module):
    agreement, learner = unsigned
    programme = Programme.objects.create(code="PB", title_en="Welding", isced_code="0715")
    programme.awarding_institutions.add(world.b)
    module = programme.modules.create(code="W1", title_en="Welding", credits=5)
    before = [(c.code, c.title) for c in agreement.components.all()], agreement.version
    client.force_login(learner)
    response = client.post(f"/en/mobility/agreements/{agreement.pk}/edit/", {"version": agreement.version, "modules": [module.pk]})
    assert 400 <= response.status_code < 500
    agreement.refresh_from_db()
    assert ([(c.code, c.title) for c in agreement.components.all()], agreement.version) == before


def test_an_outcome_of_a_home_module_no_component_is_recognised_as_is_refused(client, world, unsigned, host_module, outcome):
    agreement, learner = unsigned
    client.force_login(learner)
    response = client.post(f"/en/mobility/agreements/{agreement.pk}/edit/", {"version": agreement.version, "modules": [host_module.pk], "outcomes": [outcome.pk]})
    assert response.status_code == 422
    assert agreement.components.get().code == "T1"


def test_without_a_chosen_module_or_another_component_nothing_is_saved(client, world, unsigned):
    agreement, learner = unsigned
    client.force_login(learner)
    response = client.post(f"/en/mobility/agreements/{agreement.pk}/edit/", {"version": agreement.version, "other_title": "Task"})
    assert response.status_code == 422 and "Give the credits of the component." in response.content.decode()


def test_a_change_to_a_signed_agreement_is_proposed_with_the_same_picker(client, world, unsigned, host_module, outcome):
    agreement, learner = unsigned
    during.mobility_agreement_sign(actor=learner, agreement=agreement, party="learner")
    client.force_login(learner)
    response = client.post(f"/en/mobility/agreements/{agreement.pk}/propose/", {
        "version": agreement.version, "modules": [host_module.pk], f"recognised_as_{host_module.pk}": outcome.module_id, "outcomes": [outcome.pk],
        "reason_code": "not_available"})
    assert response.status_code == 302
    proposal = agreement.proposals.get()
    assert [(c["code"], c["outcomes"]) for c in proposal.components] == [("ZE-3", [outcome.pk])]


def test_a_draft_starts_with_dates_only_and_cannot_be_signed_before_it_has_a_component(client, world, accepted, outcome):
    from ortaq.errors import ValidationFailed
    from ortaq.mobility.models import Party

    nomination, learner, _supervisor = accepted
    client.force_login(learner)
    response = client.post(f"/en/mobility/nominations/{nomination.pk}/agreement/", {"start_date": "2026-03-02", "end_date": "2026-05-31", "weekly_hours": "30"})
    assert response.status_code == 302
    agreement = nomination.mobility_agreement
    assert agreement.components.count() == 0
    with pytest.raises(ValidationFailed):
        during.mobility_agreement_sign(actor=learner, agreement=agreement, party=Party.LEARNER)
    assert not agreement.signatures.exists()
