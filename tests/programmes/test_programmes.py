"""Programmes: who may create and edit a programme (a coordinator or registrar of an awarding institution), that
each write leaves an audit record, what the catalogue selectors return, and the pages that drive it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.errors import Forbidden, ValidationFailed
from ortaq.programmes import selectors, services
from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails
from ortaq.programmes.models import LearningOutcome, Module, Programme

DATA = {"code": "MEC-01", "title_en": "Mechatronics", "isced_code": "0714"}


@pytest.fixture
def programme_a(world):
    return services.programme_create(actor=world["coordinator_a"], details=ProgrammeDetails(**DATA), awarding=[world.a])


def events(obj):
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)))


# --- services -------------------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_programme_that_their_institution_awards_and_it_is_audited(world):
    programme = services.programme_create(actor=world["coordinator_a"], details=ProgrammeDetails(**DATA), awarding=[world.a, world.c])
    assert set(programme.awarding_institutions.all()) == {world.a, world.c}
    [event] = events(programme)
    assert (event.action, event.actor) == ("create", world["coordinator_a"])
    assert event.after["code"] == "MEC-01" and sorted(event.after["awarding"]) == sorted([world.a.pk, world.c.pk])


def test_a_programme_awarded_only_by_another_institution_is_refused(world):
    with pytest.raises(Forbidden):
        services.programme_create(actor=world["coordinator_a"], details=ProgrammeDetails(**DATA), awarding=[world.b])
    assert not Programme.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["teacher_a", "student_a", "analyst"])
def test_people_without_a_programme_role_cannot_create_programmes(world, role):
    with pytest.raises(Forbidden):
        services.programme_create(actor=world[role], details=ProgrammeDetails(**DATA), awarding=[world.a])
    assert not Programme.objects.exists()


def test_a_programme_without_an_awarding_institution_is_refused(world):
    with pytest.raises(ValidationFailed):
        services.programme_create(actor=world["coordinator_a"], details=ProgrammeDetails(**DATA), awarding=[])
    assert not Programme.objects.exists()


def test_a_programme_with_an_unknown_isced_field_is_refused_and_nothing_is_written(world):
    with pytest.raises(ValidationFailed):
        services.programme_create(actor=world["coordinator_a"], details=ProgrammeDetails(**DATA | {"isced_code": "0000x"}), awarding=[world.a])
    assert not Programme.objects.exists() and not AuditEvent.objects.exists()


def test_an_update_records_the_fields_before_and_after(world, programme_a):
    services.programme_update(actor=world["registrar_a"], programme=programme_a, details=replace(ProgrammeDetails.of(programme_a), title_en="Mechatronics II"))
    programme_a.refresh_from_db()
    assert programme_a.title_en == "Mechatronics II"
    update = [e for e in events(programme_a) if e.action == "update"]
    assert len(update) == 1 and update[0].actor == world["registrar_a"]
    assert ("title_en", "Mechatronics", "Mechatronics II") in update[0].changed_fields()


def test_an_update_that_changes_nothing_writes_no_audit_record(world, programme_a):
    services.programme_update(actor=world["coordinator_a"], programme=programme_a, details=replace(ProgrammeDetails.of(programme_a), title_en="Mechatronics"))
    assert [e.action for e in events(programme_a)] == ["create"]


def test_a_coordinator_of_another_institution_cannot_update_the_programme(world, programme_a):
    with pytest.raises(Forbidden):
        services.programme_update(actor=world["coordinator_b"], programme=programme_a, details=replace(ProgrammeDetails.of(programme_a), title_en="Taken over"))
    programme_a.refresh_from_db()
    assert programme_a.title_en == "Mechatronics"
    assert [e.action for e in events(programme_a)] == ["create"]


def test_an_admin_may_edit_any_programme(world, programme_a):
    services.programme_update(actor=world["admin"], programme=programme_a, details=replace(ProgrammeDetails.of(programme_a), title_en="Fixed by admin"))
    programme_a.refresh_from_db()
    assert programme_a.title_en == "Fixed by admin"


def test_modules_and_outcomes_are_added_by_the_awarding_side_and_audited(world, programme_a):
    module = services.module_add(actor=world["registrar_a"], programme=programme_a, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    outcome = services.outcome_add(actor=world["registrar_a"], module=module, outcome=OutcomeText(code="LO1", text_en="Programs a PLC"))
    assert module.programme == programme_a and outcome.module == module
    assert [e.action for e in events(module)] == ["create"] and events(module)[0].summary == str(programme_a)
    assert [e.action for e in events(outcome)] == ["create"] and events(outcome)[0].after["text_en"] == "Programs a PLC"


def test_another_institution_can_add_neither_modules_nor_outcomes(world, programme_a):
    module = services.module_add(actor=world["registrar_a"], programme=programme_a, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    with pytest.raises(Forbidden):
        services.module_add(actor=world["registrar_b"], programme=programme_a, module=ModuleDetails(code="X", title_en="X", credits=5))
    with pytest.raises(Forbidden):
        services.outcome_add(actor=world["coordinator_b"], module=module, outcome=OutcomeText(code="LO1", text_en="x"))
    assert Module.objects.count() == 1 and not LearningOutcome.objects.exists()


# --- selectors ------------------------------------------------------------------------------------------------


def test_the_catalogue_filters_by_text_institution_and_isced_field(world, programme_a):
    other = services.programme_create(actor=world["coordinator_b"], details=ProgrammeDetails(code="WLD", title_en="Welding", title_ru="Сварка", isced_code="0715"), awarding=[world.b])
    services.module_add(actor=world["coordinator_b"], programme=other, module=ModuleDetails(code="W1", title_en="Arc", credits=4))
    student = world["student_c"]
    assert list(selectors.programme_list(actor=student)) == [programme_a, other]
    assert list(selectors.programme_list(actor=student, q="weld")) == [other]
    assert list(selectors.programme_list(actor=student, q="варк")) == [other]  # the Russian title is searched too
    assert list(selectors.programme_list(actor=student, institution=world.a.pk)) == [programme_a]
    assert list(selectors.programme_list(actor=student, isced="0715")) == [other]
    assert {p.code: p.module_count for p in selectors.programme_list(actor=student)} == {"MEC-01": 0, "WLD": 1}


def test_programme_get_returns_none_for_an_unknown_id(world):
    assert selectors.programme_get(actor=world["student_a"], pk=999_999) is None


def test_who_may_edit_and_create(world, programme_a):
    assert selectors.may_edit_programme(actor=world["registrar_a"], programme=programme_a)
    assert selectors.may_edit_programme(actor=world["admin"], programme=programme_a)
    assert not selectors.may_edit_programme(actor=world["coordinator_b"], programme=programme_a)
    assert not selectors.may_edit_programme(actor=world["teacher_a"], programme=programme_a)
    assert selectors.may_create_programmes(actor=world["coordinator_c"])
    assert not selectors.may_create_programmes(actor=world["student_a"])


def test_outcome_ids_of_programmes_and_of_an_awarding_institution(world, programme_a):
    module = services.module_add(actor=world["registrar_a"], programme=programme_a, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    lo = services.outcome_add(actor=world["registrar_a"], module=module, outcome=OutcomeText(code="LO1", text_en="x"))
    other = services.programme_create(actor=world["coordinator_b"], details=ProgrammeDetails(**DATA | {"code": "B-1"}), awarding=[world.b])
    lo_b = services.outcome_add(actor=world["coordinator_b"], module=services.module_add(actor=world["coordinator_b"], programme=other, module=ModuleDetails(code="M", title_en="M", credits=1)), outcome=OutcomeText(code="LO", text_en="y"))
    assert selectors.outcome_ids_of(programme_ids=[programme_a.pk]) == {lo.pk}
    assert selectors.outcome_ids_of(awarded_by=world.b.pk) == {lo_b.pk}
    assert selectors.outcome_ids_of() == {lo.pk, lo_b.pk}


# --- pages ----------------------------------------------------------------------------------------------------


def test_the_catalogue_page_lists_programmes_and_offers_creation_only_to_programme_staff(client, world, programme_a):
    client.force_login(world["student_a"])
    page = client.get("/en/programmes/")
    assert page.status_code == 200 and "MEC-01" in page.text and not page.context["may_create"]
    client.force_login(world["coordinator_b"])
    assert client.get("/en/programmes/").context["may_create"]


def test_a_coordinator_creates_a_programme_through_the_page(client, world):
    client.force_login(world["coordinator_a"])
    response = client.post("/en/programmes/new/", DATA | {"awarding": [world.a.pk], "languages": ["kk", "zh"]})
    programme = Programme.objects.get()
    assert response.status_code == 302 and response.url == f"/en/programmes/{programme.pk}/"
    assert list(programme.awarding_institutions.all()) == [world.a]
    assert [e.action for e in events(programme)] == ["create"]
    assert "Mechatronics" in client.get(response.url).text


def test_creating_a_programme_awarded_only_by_another_institution_through_the_page_is_refused(client, world):
    client.force_login(world["coordinator_a"])
    response = client.post("/en/programmes/new/", DATA | {"awarding": [world.b.pk]})
    assert response.status_code == 422
    assert "One of the awarding institutions must be yours." in response.text
    assert not Programme.objects.exists() and not AuditEvent.objects.exists()


def test_a_student_cannot_open_the_creation_page(client, world):
    client.force_login(world["student_a"])
    assert client.get("/en/programmes/new/").status_code == 403
    assert client.post("/en/programmes/new/", DATA | {"awarding": [world.a.pk]}).status_code == 403
    assert not Programme.objects.exists()


def test_the_detail_page_shows_edit_forms_only_to_the_awarding_side(client, world, programme_a):
    client.force_login(world["registrar_a"])
    mine = client.get(f"/en/programmes/{programme_a.pk}/")
    assert mine.status_code == 200 and mine.context["may_edit"] and "Add a module" in mine.text
    client.force_login(world["registrar_b"])
    theirs = client.get(f"/en/programmes/{programme_a.pk}/")
    assert theirs.status_code == 200 and not theirs.context["may_edit"] and "Add a module" not in theirs.text
    assert client.get("/en/programmes/999999/").status_code == 404


def test_modules_and_outcomes_are_added_through_the_page(client, world, programme_a):
    client.force_login(world["registrar_a"])
    response = client.post(f"/en/programmes/{programme_a.pk}/modules/", {"code": "PLC", "title_en": "Controllers", "credits": "5"})
    assert response.status_code == 302
    module = Module.objects.get(programme=programme_a)
    response = client.post(f"/en/programmes/{programme_a.pk}/modules/{module.pk}/outcomes/", {"code": "LO1", "text_en": "Wires a controller"})
    assert response.status_code == 302
    page = client.get(f"/en/programmes/{programme_a.pk}/")
    assert "Controllers" in page.text and "Wires a controller" in page.text
    assert AuditEvent.objects.filter(object_type="programmes.learningoutcome", action="create").count() == 1


def test_another_institution_posting_a_module_or_outcome_is_refused_and_nothing_is_written(client, world, programme_a):
    module = services.module_add(actor=world["registrar_a"], programme=programme_a, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    client.force_login(world["coordinator_b"])
    response = client.post(f"/en/programmes/{programme_a.pk}/modules/", {"code": "X", "title_en": "Injected", "credits": "5"})
    assert response.status_code == 403
    response = client.post(f"/en/programmes/{programme_a.pk}/modules/{module.pk}/outcomes/", {"code": "LO1", "text_en": "Injected"})
    assert response.status_code == 403
    assert Module.objects.count() == 1 and not LearningOutcome.objects.exists()


def test_an_outcome_for_a_module_of_another_programme_is_not_found(client, world, programme_a):
    other = services.programme_create(actor=world["coordinator_a"], details=ProgrammeDetails(**DATA | {"code": "OTHER"}), awarding=[world.a])
    module = services.module_add(actor=world["registrar_a"], programme=other, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    client.force_login(world["registrar_a"])
    response = client.post(f"/en/programmes/{programme_a.pk}/modules/{module.pk}/outcomes/", {"code": "LO1", "text_en": "x"})
    assert response.status_code == 404
    assert not LearningOutcome.objects.exists()


# --- API ------------------------------------------------------------------------------------------------------


def test_the_api_updates_a_programme_of_ones_own_institution_and_refuses_another(client, world, programme_a):
    client.force_login(world["coordinator_a"])
    ok = client.patch(f"/api/v1/programmes/{programme_a.pk}", {"title_en": "Via API"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["title_en"] == "Via API"
    client.force_login(world["coordinator_b"])
    refused = client.patch(f"/api/v1/programmes/{programme_a.pk}", {"title_en": "Hijacked"}, content_type="application/json")
    assert refused.status_code == 403
    programme_a.refresh_from_db()
    assert programme_a.title_en == "Via API"


def test_the_api_creates_a_programme_awarded_by_ones_own_institution(client, world):
    client.force_login(world["registrar_a"])
    response = client.post("/api/v1/programmes/", DATA | {"awarding_institution_ids": [world.a.pk, world.c.pk]}, content_type="application/json")
    assert response.status_code == 201
    programme = Programme.objects.get(pk=response.json()["id"])
    assert sorted(response.json()["awarding_institution_ids"]) == sorted([world.a.pk, world.c.pk])
    assert [e.action for e in events(programme)] == ["create"]


@pytest.mark.parametrize("ids, status", [("other", 403), ("unknown", 422), ("none", 422)])
def test_the_api_refuses_a_programme_of_another_institution_or_of_unknown_ones_and_writes_nothing(client, world, ids, status):
    awarding = {"other": [world.b.pk], "unknown": [world.a.pk, 999_999], "none": []}[ids]
    client.force_login(world["registrar_a"])
    response = client.post("/api/v1/programmes/", DATA | {"awarding_institution_ids": awarding}, content_type="application/json")
    assert response.status_code == status
    assert not Programme.objects.exists() and not AuditEvent.objects.exists()


def test_the_chinese_level_is_named_in_the_readers_language_on_the_page_and_in_the_form(client, world):
    programme = services.programme_create(actor=world["coordinator_a"], details=ProgrammeDetails(**DATA, cn_level="higher_vocational_associate"),
                                          awarding=[world.a])
    client.force_login(world["coordinator_a"])
    page = client.get(f"/ru/programmes/{programme.pk}/").text
    assert "уровень младшего специалиста" in page and "higher_vocational_associate" not in page
    form = client.get("/zh-hans/programmes/new/").text
    assert "高等职业教育专科" in form and ">higher_vocational_associate" not in form and "· 高等职业教育专科" not in form
