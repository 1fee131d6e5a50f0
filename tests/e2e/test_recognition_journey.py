"""A returning student's results are recognised at home, in Russian; the student appeals in Kazakh."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.mobility.conftest import application_input, call_input

pytestmark = pytest.mark.e2e


@pytest.fixture
def returned_student(demo_world, settings):
    """Build the mobility up to the host's transcript through the services, as the earlier journeys do in the UI."""
    from django.utils import timezone

    from ortaq.accounts.models import LanguageCertificate, User
    from ortaq.agreements.models import Agreement
    from ortaq.mobility import during, round_services, services
    from ortaq.mobility.models import Call, Party
    from ortaq.programmes.models import Programme

    settings.ALIGNMENT_BACKEND = "lexical"
    coordinator, host, student = (User.objects.get(username=u) for u in ("coordinator", "coordinator.cn", "student"))
    LanguageCertificate.objects.create(user=student, language="zh", framework="hsk", level="4")
    condition = Agreement.objects.get(reference="DEMO-IIA-001").conditions.get(mobility_type="student_internship")
    call = services.call_create(actor=coordinator, owner=condition.sending, call=call_input(
        title="Recognition demo call", deadline=(timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M"), max_choices=1,
        weight_grade=100, weight_language=0, weight_motivation=0, weight_interview=0, lottery_seed=7))
    option = services.call_option_add(actor=coordinator, call=call, condition=condition, places=1)
    services.call_open(actor=coordinator, call=call)
    programme = Programme.objects.get(code="DEMO-JP-0714")
    services.application_save(actor=student, call=call, application=application_input(year_of_study=2, grade="90", programme=programme.pk), option_ids=[option.pk], submit=True)
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    call.refresh_from_db()
    placement_round = round_services.round_request(actor=coordinator, call=call)
    round_services.round_execute(round_id=placement_round.pk)
    placement_round.refresh_from_db()
    round_services.round_publish(actor=coordinator, placement_round=placement_round)
    nomination = option.nominations.get()
    round_services.nomination_decide(actor=host, nomination=nomination, accept=True)
    nomination.refresh_from_db()
    agreement = during.mobility_agreement_create(actor=student, nomination=nomination, start_date=dt.date(2026, 9, 7), end_date=dt.date(2026, 12, 18), components=[
        {"code": "TJ-PLC", "title": "PLC programming and debugging in IEC 61131-3 languages", "credits": "3", "hours": 90},
        {"code": "TJ-ROB", "title": "Industrial robot maintenance and fault diagnosis from the diagnostic log", "credits": "3", "hours": 90},
        {"code": "TJ-CN", "title": "Chinese for engineers", "credits": "2", "hours": 60},
    ])
    for party, who in ((Party.LEARNER, student), (Party.SENDING, coordinator), (Party.RECEIVING, host)):
        during.mobility_agreement_sign(actor=who, agreement=agreement, party=party)
    for component, grade in zip(agreement.components.order_by("id"), ("92", "86", "75")):
        during.transcript_record(actor=host, agreement=agreement, component=component, host_grade=grade, host_scale="percent")
    return agreement


def test_the_coordinator_decides_in_russian_and_the_student_appeals_in_kazakh(page, live_server, returned_student, axe_check):
    problems = {}
    sign_in(page, live_server, "coordinator", language="ru")
    page.goto(f"{live_server.url}/ru/mobility/agreements/{returned_student.pk}/")
    page.locator("form[action*='/recognition/open/'] button").click()
    expect(page.locator("#dossier-state")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    problems["dossier (ru)"] = axe_check(page)
    sections = page.locator("section.card")
    for index in (0, 1):
        section = sections.nth(index)
        section.locator("select[name=decision]").select_option("full")
        section.locator("button[type=submit]").click()
        page.wait_for_load_state()
    refused = page.locator("section.card").nth(2)
    refused.locator("select[name=decision]").select_option("refused")
    refused.locator("textarea[name=substantial_difference]").fill("В домашней программе нет модуля китайского языка")
    refused.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("form[action$='/sign/'] button").click()
    expect(page.locator(".item-decision").nth(2)).not_to_have_text("")

    page.context.clear_cookies()
    sign_in(page, live_server, "student", language="kk")
    page.goto(f"{live_server.url}/kk/recognition/")
    page.locator("main table a").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    page.fill("#appeal-reason", "Қытай тілі курсы таңдау модулі ретінде есептелуі керек")
    page.locator("form[action$='/appeal/'] button").click()
    expect(page.locator("main")).to_contain_text("Қытай тілі курсы")
    problems["dossier (kk, student)"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}

    from ortaq.recognition.models import Dossier, RecognisedModule

    dossier = Dossier.objects.get(mobility_agreement=returned_student)
    assert dossier.state == "appealed"
    assert RecognisedModule.objects.filter(student=dossier.student).count() == 2
