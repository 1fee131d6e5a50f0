"""Recognition pages refuse hostile values with a 4xx and write nothing: a conversion rule is no longer made
before its values are checked, and only a module of the learner's programme can be recognised."""

import datetime as dt

import pytest

from ortaq.mobility import during
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ModuleDetails, ProgrammeDetails
from ortaq.recognition import services
from ortaq.recognition.models import Appeal, ConversionRule, ConversionRuleVersion
from tests.mobility.test_during_mobility import components, outcome, signed  # noqa: F401


@pytest.fixture
def dossier(world, signed):
    agreement, _learner, supervisor = signed
    during.transcript_record(actor=supervisor, agreement=agreement, component=agreement.components.get(), host_grade="A", host_scale="ects")
    return services.dossier_open(actor=world["coordinator_a"], mobility_agreement=agreement)


@pytest.mark.parametrize("values", [{"hours_per_kz_credit": "abc"}, {"hours_per_kz_credit": "NaN"}, {"hours_per_kz_credit": str(10**30)},
                                    {"hours_per_kz_credit": None}, {"agreement": "abc"}])
def test_a_refused_conversion_rule_change_writes_no_rule_and_no_version(client, world, values):
    services.rule_for(None)
    client.force_login(world["admin"])
    data = {"hours_per_kz_credit": "30", "hours_per_cn_credit": "18", "hours_per_ects": "27"} | values
    response = client.post("/en/recognition/rules/", {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 422
    assert ConversionRule.objects.count() == 1 and ConversionRuleVersion.objects.count() == 1


def test_a_module_of_another_programme_cannot_be_recognised(client, world, dossier):
    other = programme_services.programme_create(actor=world["registrar_b"], details=ProgrammeDetails(code="PB", title_en="Welding", isced_code="0715"), awarding=[world.b])
    foreign = programme_services.module_add(actor=world["registrar_b"], programme=other, module=ModuleDetails(code="W1", title_en="Welding", credits=5))
    item = dossier.items.get()
    client.force_login(world["coordinator_a"])
    response = client.post(f"/en/recognition/{dossier.pk}/decide/", {"item": item.pk, "decision": "full", "home_module": foreign.pk})
    assert response.status_code == 422
    item.refresh_from_db()
    assert item.decision == "pending"


@pytest.mark.parametrize("data", [{"item": "abc"}, {"item": "ITEM", "home_module": "abc"}, {"item": "ITEM", "decision": "refused", "substantial_difference": "a\x00b"}])
def test_a_decision_with_hostile_values_is_refused(client, world, dossier, data):
    item = dossier.items.get()
    data = {k: (item.pk if v == "ITEM" else v) for k, v in data.items()}
    client.force_login(world["coordinator_a"])
    response = client.post(f"/en/recognition/{dossier.pk}/decide/", data)
    assert response.status_code == 422
    item.refresh_from_db()
    assert item.decision == "pending"


def test_an_appeal_review_must_say_uphold_or_change(client, world, dossier, signed):  # noqa: F811
    _agreement, learner, _supervisor = signed
    item = dossier.items.get()
    services.item_decide(actor=world["coordinator_a"], item=item, decision="full", home_module=dossier.mobility_agreement.components.get().outcomes.get().module)
    dossier = services.dossier_sign(actor=world["coordinator_a"], dossier=dossier)
    client.force_login(learner)
    assert client.post(f"/en/recognition/{dossier.pk}/appeal/", {"reason": "x" * 100_000}).status_code == 422
    appeal = services.appeal_file(actor=learner, dossier=dossier, reason="The module matches")
    client.force_login(world["registrar_a"])
    response = client.post(f"/en/recognition/{dossier.pk}/review/", {"appeal": appeal.pk, "outcome": "abc", "response": "Because"})
    assert response.status_code == 422
    assert Appeal.objects.get().state == "pending"
