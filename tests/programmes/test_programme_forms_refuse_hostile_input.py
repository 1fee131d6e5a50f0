"""Programme pages: a duplicate module code is a 422 (the form leaves the programme out, so the database's
constraint used to answer with a 500), and hostile module and outcome values are refused."""

import pytest

from ortaq.programmes import services
from ortaq.programmes.types import ModuleDetails, ProgrammeDetails
from ortaq.programmes.models import LearningOutcome, Module


@pytest.fixture
def programme(world):
    return services.programme_create(actor=world["registrar_a"], details=ProgrammeDetails(code="P", title_en="Mechatronics", isced_code="0714"), awarding=[world.a])


def test_a_second_module_with_the_same_code_is_refused_not_a_server_error(client, world, programme):
    services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    client.force_login(world["registrar_a"])
    response = client.post(f"/en/programmes/{programme.pk}/modules/", {"code": "PLC", "title_en": "PLC again", "credits": "5"})
    assert response.status_code == 422
    assert Module.objects.count() == 1


@pytest.mark.parametrize("data", [{"credits": "abc"}, {"credits": str(10**30)}, {"credits": "NaN"}, {"title_en": "\x1b[31m"}, {"order": "9" * 400}])
def test_a_module_with_hostile_values_is_refused(client, world, programme, data):
    client.force_login(world["registrar_a"])
    response = client.post(f"/en/programmes/{programme.pk}/modules/", {"code": "M1", "title_en": "Module", "credits": "5"} | data)
    assert response.status_code == 422
    assert not Module.objects.exists()


@pytest.mark.parametrize("text", ["a\x00b", "x" * 100_000, "\x1b[2J"])
def test_an_outcome_with_hostile_text_is_refused(client, world, programme, text):
    module = services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    client.force_login(world["registrar_a"])
    response = client.post(f"/en/programmes/{programme.pk}/modules/{module.pk}/outcomes/", {"code": "LO1", "text_en": text})
    assert response.status_code == 422
    assert not LearningOutcome.objects.exists()
