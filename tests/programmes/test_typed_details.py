"""The services take typed details (ProgrammeDetails, ModuleDetails, OutcomeText) and enforce the rules
themselves: a caller that bypasses the forms and the API schema gets the same refusal, with the same code and
message, and nothing is written (issue 14)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ortaq.errors import ErrorCode, ValidationFailed
from ortaq.programmes import services
from ortaq.programmes.forms import ModuleForm, OutcomeForm
from ortaq.programmes.models import LearningOutcome, Module, Programme
from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails

MECHATRONICS = ProgrammeDetails(code="MEC-01", title_en="Mechatronics", isced_code="0714")


@pytest.fixture
def programme(world):
    return services.programme_create(actor=world["registrar_a"], details=MECHATRONICS, awarding=[world.a])


@pytest.mark.parametrize("change, field", [
    ({"isced_code": "07"}, "isced_code"),
    ({"eqf_level": "9"}, "eqf_level"),
    ({"languages": ("kk", "xx")}, "languages"),
    ({"title_en": ""}, "title_en"),
    ({"code": "c" * 41}, "code"),
])
def test_a_programme_the_form_refuses_is_refused_by_the_service(world, change, field):
    with pytest.raises(ValidationFailed) as error:
        services.programme_create(actor=world["registrar_a"], details=replace(MECHATRONICS, **change), awarding=[world.a])
    assert error.value.code == ErrorCode.VALIDATION and field in error.value.errors
    assert not Programme.objects.exists()


@pytest.mark.parametrize("change, field", [({"credits": 0}, "credits"), ({"credits": 241}, "credits"), ({"order": 1000}, "order")])
def test_module_numbers_out_of_bounds_get_the_forms_message(world, programme, change, field):
    details = replace(ModuleDetails(code="PLC", title_en="PLC", credits=5), **change)
    form = ModuleForm(data={"code": "PLC", "title_en": "PLC", "credits": 5} | change)
    assert not form.is_valid()
    with pytest.raises(ValidationFailed) as error:
        services.module_add(actor=world["registrar_a"], programme=programme, module=details)
    assert error.value.errors[field] == [str(m) for m in form.errors[field]]
    assert not Module.objects.exists()


def test_a_second_module_with_the_same_code_is_refused_with_a_message(world, programme):
    services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    with pytest.raises(ValidationFailed) as error:
        services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC", title_en="Again", credits=3))
    assert "__all__" in error.value.errors and Module.objects.count() == 1


def test_an_outcome_in_no_language_is_refused_as_the_form_refuses_it(world, programme):
    module = services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    form = OutcomeForm(data={"code": "LO1"})
    assert not form.is_valid()
    with pytest.raises(ValidationFailed) as error:
        services.outcome_add(actor=world["registrar_a"], module=module, outcome=OutcomeText(code="LO1"))
    assert error.value.errors["__all__"] == [str(m) for m in form.errors["__all__"]]
    assert not LearningOutcome.objects.exists()


def test_an_edit_keeps_what_it_does_not_change(world, programme):
    updated = services.programme_update(actor=world["registrar_a"], programme=programme,
                                        details=replace(ProgrammeDetails.of(programme), languages=("kk", "zh")))
    assert (updated.languages, updated.title_en, updated.isced_code) == (["kk", "zh"], "Mechatronics", "0714")
