import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.mobility import services
from ortaq.mobility.models import ApplicationState
from ortaq.notifications.models import Notification
from tests.mobility.conftest import application_input, call_input, students


def application_data(**overrides):
    data = {"year_of_study": 2, "grade": "85", "motivation": "Я хочу работать с роботами."}
    data.update(overrides)
    return application_input(**data)


def test_a_call_never_takes_more_places_than_the_agreement_allows_for_the_year(world, agreement_ac_in_effect):
    condition = agreement_ac_in_effect.conditions.get()
    first = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input())
    services.call_option_add(actor=world["coordinator_a"], call=first, condition=condition, places=2)
    second = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(title="Second call"))
    with pytest.raises(ValidationFailed) as error:
        services.call_option_add(actor=world["coordinator_a"], call=second, condition=condition, places=2)
    assert "1" in error.value.errors["places"][0]
    services.call_option_add(actor=world["coordinator_a"], call=second, condition=condition, places=1)
    other_year = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(academic_year=2027))
    assert services.call_option_add(actor=world["coordinator_a"], call=other_year, condition=condition, places=3).places == 3


def test_places_come_only_from_agreements_in_force_and_for_the_calls_own_side(world, draft_ac):
    call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input())
    with pytest.raises(DomainError) as error:
        services.call_option_add(actor=world["coordinator_a"], call=call, condition=draft_ac.conditions.get(), places=1)
    assert error.value.code == "agreement_state"


def test_only_the_sending_coordinator_opens_a_call(world):
    for who in ("teacher_a", "coordinator_b", "student_a"):
        with pytest.raises(Forbidden):
            services.call_create(actor=world[who], owner=world.a, call=call_input())


def test_opening_a_call_notifies_students_of_the_college_in_their_language(world, open_call):
    assert Notification.objects.filter(recipient=world["student_a"], key="call_opened").exists()
    assert not Notification.objects.filter(recipient=world["student_b"]).exists()


def test_a_student_applies_gets_a_receipt_and_can_edit_until_the_deadline(world, open_call):
    student = students(world, 1)[0]
    options = list(open_call.options.values_list("pk", flat=True))
    application = services.application_save(actor=student, call=open_call, application=application_data(), option_ids=options[::-1], submit=True)
    assert application.state == ApplicationState.SUBMITTED and len(application.receipt) == 11
    assert [c.option_id for c in application.choices.all()] == options[::-1]
    services.application_save(actor=student, call=open_call, application=application_data(grade="90"), option_ids=options[:1], submit=True)
    application.refresh_from_db()
    assert application.grade == 90 and application.choices.count() == 1
    assert Notification.objects.filter(recipient=student, key="application_submitted").count() == 2


def test_an_ineligible_applicant_is_told_why_before_submitting(world, open_call):
    student = students(world, 1)[0]
    student.language_certificates.all().delete()
    condition_option = open_call.options.get(condition__isnull=False)
    with pytest.raises(ValidationFailed) as error:
        services.application_save(actor=student, call=open_call, application=application_data(), option_ids=[condition_option.pk], submit=True)
    assert any("HSK" in reason for reason in error.value.errors["eligibility"])
    # The draft without submission is kept: nothing entered is lost.
    draft = services.application_save(actor=student, call=open_call, application=application_data(), option_ids=[condition_option.pk])
    assert draft.state == ApplicationState.DRAFT and draft.motivation.startswith("Я хочу")


def test_a_call_rule_on_year_and_grade_is_enforced(world, agreement_ac_in_effect, published_offer):
    call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(min_year_of_study=3, min_grade="80"))
    services.call_option_add(actor=world["coordinator_a"], call=call, offer=published_offer, places=1)
    services.call_open(actor=world["coordinator_a"], call=call)
    student = students(world, 1)[0]
    with pytest.raises(ValidationFailed) as error:
        services.application_save(actor=student, call=call, application=application_data(year_of_study=2, grade="70"), option_ids=[call.options.get().pk], submit=True)
    assert len(error.value.errors["eligibility"]) == 2


def test_a_student_of_another_college_cannot_apply(world, open_call):
    with pytest.raises(Forbidden):
        services.application_save(actor=world["student_b"], call=open_call, application=application_data(), option_ids=[], submit=False)


def test_too_many_or_repeated_choices_are_refused(world, open_call):
    student = students(world, 1)[0]
    option = open_call.options.first().pk
    with pytest.raises(ValidationFailed):
        services.application_save(actor=student, call=open_call, application=application_data(), option_ids=[option, option], submit=True)


def test_documents_are_checked_by_content_not_by_name(world, open_call):
    student = students(world, 1)[0]
    application = services.application_save(actor=student, call=open_call, application=application_data(), option_ids=[])
    fake = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    with pytest.raises(ValidationFailed):
        services.document_add(actor=student, application=application, upload=fake)
    real = SimpleUploadedFile("cv.pdf", b"%PDF-1.7\n...", content_type="application/octet-stream")
    assert services.document_add(actor=student, application=application, upload=real).content_type == "application/pdf"


def test_nobody_applies_after_the_deadline(world, open_call):
    from tests.mobility.conftest import close

    close(open_call)
    with pytest.raises(DomainError) as error:
        services.application_save(actor=students(world, 1)[0], call=open_call, application=application_data(), option_ids=[], submit=True)
    assert error.value.code == "closed"


def test_a_student_with_a_programme_sees_offers_ranked_by_fit_with_evidence(client, world, open_call, settings):
    from ortaq.programmes import services as programme_services
    from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails

    settings.ALIGNMENT_BACKEND = "lexical"
    programme = programme_services.programme_create(actor=world["registrar_a"], details=ProgrammeDetails(code="M", title_en="Mechatronics", isced_code="0714"), awarding=[world.a])
    module = programme_services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    programme_services.outcome_add(actor=world["registrar_a"], module=module, outcome=OutcomeText(code="LO1", text_en="Commission and test PLC cabinets", text_ru="Вводит в эксплуатацию и испытывает шкафы ПЛК"))
    student = students(world, 1)[0]
    services.application_save(actor=student, call=open_call, application=application_data(programme=programme.pk), option_ids=[])
    client.force_login(student)
    page = client.get(f"/en/mobility/calls/{open_call.pk}/").content.decode()
    assert 'id="recommendations"' in page and "Commission PLC cabinets" in page


def test_a_script_that_bypasses_the_forms_cannot_write_what_they_refuse(world, enterprise):
    """The services check typed input again: unknown codes, an overlong title, control characters."""
    import dataclasses

    from tests.mobility.conftest import offer_input

    company, supervisor = enterprise
    bad_offer = dataclasses.replace(offer_input(), title="x" * 201, isced_code="abcd", tasks="a\x00b")
    with pytest.raises(ValidationFailed) as error:
        services.offer_create(actor=supervisor, host=company, offer=bad_offer)
    assert {"title", "isced_code", "tasks"} <= set(error.value.errors)
    with pytest.raises(ValidationFailed) as error:
        services.call_create(actor=world["coordinator_a"], owner=world.a, call=dataclasses.replace(call_input(), mobility_type="space_travel", language="xx"))
    assert {"mobility_type", "language"} <= set(error.value.errors)
