from dataclasses import replace

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.errors import Forbidden, ValidationFailed
from ortaq.institutions import selectors, services
from ortaq.institutions.models import Institution
from ortaq.institutions.types import ContactDetails, InstitutionDetails
from ortaq.validators import kz_check_digit


def valid_bin() -> str:
    base = "98034000007"
    return base + str(kz_check_digit(base))


def institution_input(**overrides) -> InstitutionDetails:
    data = {"kind": "enterprise", "name_original": "«Жетісу Техника» ЖШС", "country": "KZ", "city": "Алматы", "kz_bin": valid_bin()}
    data.update(overrides)
    return InstitutionDetails(**data)


def test_a_coordinator_registers_a_partner_and_the_latin_name_is_suggested(world):
    institution = services.institution_create(actor=world["coordinator_a"], details=institution_input(), registered_by=world.a)
    assert institution.name_latin == "«Zhetisu Tekhnika» ZhShS"
    assert institution.registered_by == world.a
    event = AuditEvent.objects.get(object_type="institutions.institution", object_id=str(institution.pk))
    assert event.actor == world["coordinator_a"] and event.action == "create"
    assert event.after["kz_bin"] == valid_bin()


def test_students_and_teachers_cannot_register_institutions(world):
    for username in ("student_a", "teacher_a", "analyst"):
        with pytest.raises(Forbidden):
            services.institution_create(actor=world[username], details=institution_input())
    assert not Institution.objects.filter(name_original="«Жетісу Техника» ЖШС").exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kz_bin": "123"}, "kz_bin"),
        ({"cn_uscc": "91350100M000100Y44", "country": "CN", "kz_bin": ""}, "cn_uscc"),
        ({"schac": "Not A Domain"}, "schac"),
        ({"country": "XX"}, "country"),
        ({"kind": "church"}, "kind"),
        ({"country": "CN"}, "kz_bin"),
        ({"accessibility_facilities": ["teleporter"]}, "accessibility_facilities"),
    ],
)
def test_bad_identifiers_are_refused_with_the_field_named(world, overrides, field):
    with pytest.raises(ValidationFailed) as error:
        services.institution_create(actor=world["coordinator_a"], details=institution_input(**overrides))
    assert field in error.value.errors


def test_a_duplicate_bin_is_refused(world):
    services.institution_create(actor=world["coordinator_a"], details=institution_input())
    with pytest.raises(ValidationFailed) as error:
        services.institution_create(actor=world["coordinator_a"], details=institution_input(name_original="Other"))
    assert "kz_bin" in error.value.errors or "__all__" in error.value.errors


def test_an_update_records_before_and_after(world):
    services.institution_update(actor=world["coordinator_a"], institution=world.a, details=replace(InstitutionDetails.of(world.a), city="Алматы"))
    event = AuditEvent.objects.filter(object_id=str(world.a.pk), action="update").get()
    assert event.before["city"] == "City" and event.after["city"] == "Алматы"


def test_a_coordinator_of_a_cannot_change_b(world):
    with pytest.raises(Forbidden):
        services.institution_update(actor=world["coordinator_a"], institution=world.b, details=replace(InstitutionDetails.of(world.b), city="Elsewhere"))
    world.b.refresh_from_db()
    assert world.b.city == "City"


def test_a_steward_edits_a_registered_partner_until_it_has_its_own_coordinator(world):
    from tests.conftest import make_user

    partner = services.institution_create(actor=world["coordinator_a"], details=institution_input(), registered_by=world.a)
    assert selectors.may_edit_institution(actor=world["coordinator_a"], institution=partner)
    make_user("partner_coordinator", (partner, "coordinator"))
    world["coordinator_a"]._ortaq_access = None
    del world["coordinator_a"]._ortaq_access
    assert not selectors.may_edit_institution(actor=world["coordinator_a"], institution=partner)


def test_contacts_are_visible_to_own_staff_and_partners_but_not_to_others(world, proposed_ac):
    services.contact_add(actor=world["coordinator_c"], institution=world.c, contact=ContactDetails(name="王丽", email="wang@example.cn"))
    assert [c.name_latin for c in selectors.contacts_of(actor=world["teacher_c"], institution=world.c)] == ["Wang Li"]
    assert selectors.contacts_of(actor=world["coordinator_a"], institution=world.c).count() == 1  # partner through A–C
    assert selectors.contacts_of(actor=world["coordinator_b"], institution=world.c).count() == 0
    assert selectors.contacts_of(actor=world["analyst"], institution=world.c).count() == 0  # aggregates only, never a person


def test_search_finds_an_institution_by_any_of_its_names(world):
    world.c.name_zh = "天津职业学院"
    world.c.save()
    assert list(selectors.institution_list(actor=world["student_a"], q="天津")) == [world.c]
    assert list(selectors.institution_list(actor=world["student_a"], country="cn")) == [world.c]
