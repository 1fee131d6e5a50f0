import datetime as dt

import pytest
from django.utils import timezone

from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.mobility import during
from ortaq.mobility.models import Party
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails
from ortaq.recognition import selectors, services
from ortaq.recognition.models import ConversionRule, Decision, DossierState, RecognisedModule
from ortaq.recognition.types import ConversionHours


@pytest.fixture(autouse=True)
def _lexical(settings):
    settings.ALIGNMENT_BACKEND = "lexical"  # fast and model-free; the dense backend has its own tests


@pytest.fixture
def home_modules(world):
    programme = programme_services.programme_create(actor=world["registrar_a"], details=ProgrammeDetails(code="HOME", title_en="Mechatronics", isced_code="0714"), awarding=[world.a])
    plc = programme_services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC-1", title_en="Programmable logic controllers", title_ru="Программируемые логические контроллеры", credits=5))
    programme_services.outcome_add(actor=world["registrar_a"], module=plc, outcome=OutcomeText(code="LO1", text_ru="Программирует контроллеры ПЛК на языках МЭК 61131-3", text_en="Programs PLC controllers in IEC 61131-3 languages"))
    weld = programme_services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="WLD-1", title_en="Welding", title_ru="Сварка", credits=4))
    programme_services.outcome_add(actor=world["registrar_a"], module=weld, outcome=OutcomeText(code="LO1", text_ru="Выполняет дуговую сварку стальных конструкций", text_en="Performs arc welding of steel structures"))
    return plc, weld


@pytest.fixture
def returned(world, accepted, home_modules):  # noqa: F811
    nomination, learner, supervisor = accepted
    agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31), components=[
        {"code": "A1", "title": "PLC programming in IEC 61131-3 languages", "credits": "3", "hours": 90},
        {"code": "A2", "title": "Arc welding of steel structures", "credits": "2", "hours": 60},
        {"code": "A3", "title": "Chinese language for engineers", "credits": "2", "hours": 60},
    ])
    for party, who in ((Party.LEARNER, learner), (Party.SENDING, world["coordinator_a"]), (Party.RECEIVING, supervisor)):
        during.mobility_agreement_sign(actor=who, agreement=agreement, party=party)
    for component, grade in zip(agreement.components.all(), ("92", "85", "70")):
        during.transcript_record(actor=supervisor, agreement=agreement, component=component, host_grade=grade, host_scale="percent")
    return agreement, learner


def test_a_dossier_proposes_the_matching_home_module_with_evidence(world, returned, home_modules):
    agreement, learner = returned
    plc, weld = home_modules
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=agreement)
    items = {i.component.code: i for i in dossier.items.all()}
    assert items["A1"].proposal[0]["module"] == plc.pk and items["A1"].home_module == plc
    assert items["A2"].proposal[0]["module"] == weld.pk
    assert items["A1"].proposal[0]["pairs"]
    assert items["A1"].home_grade == "A-" and items["A1"].credits_home == 3


def test_only_the_home_coordinator_opens_and_decides(world, returned, home_modules):
    agreement, learner = returned
    with pytest.raises(Forbidden):
        services.dossier_open(actor=world["coordinator_b"], mobility_agreement=agreement)
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=agreement)
    item = dossier.items.first()
    for who in (learner, world["coordinator_b"], world["teacher_a"]):
        with pytest.raises(Forbidden):
            services.item_decide(actor=who, item=item, decision="full", home_module=home_modules[0])


def test_refusal_needs_a_stated_substantial_difference_and_partial_a_compensating_measure(world, returned, home_modules):
    agreement, _ = returned
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=agreement)
    item = dossier.items.get(component__code="A3")
    with pytest.raises(ValidationFailed) as error:
        services.item_decide(actor=world["coordinator_a"], item=item, decision="refused")
    assert "substantial_difference" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        services.item_decide(actor=world["coordinator_a"], item=item, decision="partial", home_module=home_modules[0], substantial_difference="Less practice")
    assert "compensating_measure" in error.value.errors


def decide_all(world, dossier, home_modules):
    plc, weld = home_modules
    items = {i.component.code: i for i in dossier.items.all()}
    services.item_decide(actor=world["coordinator_a"], item=items["A1"], decision="full", home_module=plc)
    services.item_decide(actor=world["coordinator_a"], item=items["A2"], decision="full", home_module=weld)
    services.item_decide(actor=world["coordinator_a"], item=items["A3"], decision="refused", substantial_difference="No equivalent module in the home programme")


def test_a_signed_decision_enters_the_home_record_and_the_student_may_appeal_to_a_second_reviewer(world, returned, home_modules):
    agreement, learner = returned
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=agreement)
    with pytest.raises(DomainError):
        services.dossier_sign(actor=world["coordinator_a"], dossier=dossier)
    decide_all(world, dossier, home_modules)
    dossier = services.dossier_sign(actor=world["coordinator_a"], dossier=dossier)
    assert dossier.state == DossierState.DECIDED and len(dossier.decision_sha256) == 64
    assert sorted(RecognisedModule.objects.filter(student=learner).values_list("module__code", flat=True)) == ["PLC-1", "WLD-1"]
    with pytest.raises(Forbidden):
        services.appeal_file(actor=world["student_a"], dossier=dossier, reason="x")
    appeal = services.appeal_file(actor=learner, dossier=dossier, reason="Менің тілдік курсым есептелмеді")
    with pytest.raises(Forbidden):
        services.appeal_decide(actor=world["coordinator_a"], appeal=appeal, change=False, response="No")
    from tests.conftest import make_user

    second = make_user("second_reviewer", (world.a, "registrar"))
    services.appeal_decide(actor=second, appeal=appeal, change=False, response="The decision stands: the home programme has no language module.")
    dossier.refresh_from_db()
    assert dossier.state == DossierState.FINAL


def test_an_appeal_after_the_deadline_is_refused(world, returned, home_modules):
    agreement, learner = returned
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=agreement)
    decide_all(world, dossier, home_modules)
    dossier = services.dossier_sign(actor=world["coordinator_a"], dossier=dossier)
    dossier.appeal_deadline = timezone.localdate() - dt.timedelta(days=1)
    dossier.save()
    with pytest.raises(DomainError) as error:
        services.appeal_file(actor=learner, dossier=dossier, reason="late")
    assert error.value.code == "late"


def test_the_student_sees_only_their_own_dossier(client, world, returned):
    agreement, learner = returned
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=agreement)
    assert list(selectors.dossiers_visible_to(actor=learner)) == [dossier]
    assert list(selectors.dossiers_visible_to(actor=world["student_a"])) == []
    assert list(selectors.dossiers_visible_to(actor=world["coordinator_b"])) == []
    client.force_login(world["student_a"])
    assert client.get(f"/en/recognition/{dossier.pk}/").status_code == 404


def test_conversion_rules_are_versioned_and_admin_only(world):
    rule = services.rule_for(None)
    hours = ConversionHours(hours_per_kz_credit=25, hours_per_cn_credit=18, hours_per_ects=27)
    with pytest.raises(Forbidden):
        services.conversion_rule_update(actor=world["coordinator_a"], rule=rule, hours=hours)
    services.conversion_rule_update(actor=world["admin"], rule=rule, hours=hours)
    assert rule.version == 2 and [v.content["hours_per_kz_credit"] for v in rule.versions.order_by("number")] == [30, 25]
    with pytest.raises(ValidationFailed):  # the service keeps the range, whoever calls it
        services.conversion_rule_update(actor=world["admin"], rule=rule, hours=ConversionHours(hours_per_kz_credit=0, hours_per_cn_credit=18, hours_per_ects=27))


def test_an_agreements_own_rule_is_made_from_the_default_at_its_first_edit_on_the_rules_page(client, world, agreement_ac_in_effect):
    client.force_login(world["admin"])
    response = client.post("/en/recognition/rules/", {"agreement": agreement_ac_in_effect.pk, "hours_per_kz_credit": "24", "hours_per_cn_credit": "16",
                                                      "hours_per_ects": "25"})
    assert response.status_code == 302
    rule = ConversionRule.objects.get(agreement=agreement_ac_in_effect)
    assert (rule.hours_per_kz_credit, rule.hours_per_cn_credit, rule.hours_per_ects, rule.version) == (24, 16, 25, 2)
    assert ConversionRule.objects.get(agreement__isnull=True).version == 1  # the default is untouched
    page = client.get("/en/recognition/rules/").text
    assert agreement_ac_in_effect.title in page and "24" in page


def test_recognised_modules_flow_into_a_verifiable_clr_transcript(world, returned, home_modules):
    from ortaq.credentials.verification import verify_document

    agreement, learner = returned
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=agreement)
    with pytest.raises(DomainError):
        services.transcript_credential_issue(actor=world["coordinator_a"], dossier=dossier)
    decide_all(world, dossier, home_modules)
    dossier = services.dossier_sign(actor=world["coordinator_a"], dossier=dossier)
    transcript = services.transcript_credential_issue(actor=world["coordinator_a"], dossier=dossier)
    assert transcript.kind == "transcript" and transcript.holder == learner
    assert "ClrCredential" in transcript.document["type"]
    nested = transcript.document["credentialSubject"]["verifiableCredential"]
    assert sorted(c["credentialSubject"]["achievement"]["humanCode"] for c in nested) == ["PLC-1", "WLD-1"]
    report = verify_document(transcript.document)
    assert report["verified"] is True, report["checks"]
    assert services.transcript_credential_issue(actor=world["coordinator_a"], dossier=dossier).pk == transcript.pk


def test_admins_edit_conversion_rules_on_a_page_and_others_cannot(client, world):
    client.force_login(world["coordinator_a"])
    assert client.get("/en/recognition/rules/").status_code == 404
    client.force_login(world["admin"])
    assert client.get("/en/recognition/rules/").status_code == 200
    client.post("/en/recognition/rules/", {"agreement": "", "hours_per_kz_credit": "28", "hours_per_cn_credit": "18", "hours_per_ects": "27"})
    assert services.rule_for(None).hours_per_kz_credit == 28
