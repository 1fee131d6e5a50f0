"""A coordinator reads a recognition dossier in Kazakh for a module studied in Chinese: the AI proposes the home
module with high confidence and explains it (which outcome covers which, shared terms marked in both languages);
the coordinator accepts it, and the decision shows in the acceptance statistics, reached from the home page."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.mobility.conftest import application_input, call_input

pytestmark = pytest.mark.e2e


@pytest.fixture
def studied_in_chinese(demo_world, settings):
    """A demo student back from the Chinese host with one result, for a component whose title is Chinese only;
    built through the services, as the earlier journeys do in the UI."""
    from django.utils import timezone

    from ortaq.accounts.models import LanguageCertificate, User
    from ortaq.agreements.models import Agreement
    from ortaq.mobility import during, round_services, services
    from ortaq.mobility.models import Call, Party
    from ortaq.programmes.models import Programme

    settings.ALIGNMENT_BACKEND = "lexical"  # model-free and deterministic; the bundled model has its own tests
    coordinator, host, student = (User.objects.get(username=u) for u in ("coordinator", "coordinator.cn", "student"))
    LanguageCertificate.objects.create(user=student, language="zh", framework="hsk", level="4")
    condition = Agreement.objects.get(reference="DEMO-IIA-001").conditions.get(mobility_type="student_internship")
    call = services.call_create(actor=coordinator, owner=condition.sending, call=call_input(
        title="Alignment journey call", deadline=(timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M"), max_choices=1,
        weight_grade=100, weight_language=0, weight_motivation=0, weight_interview=0, lottery_seed=7))
    option = services.call_option_add(actor=coordinator, call=call, condition=condition, places=1)
    services.call_open(actor=coordinator, call=call)
    programme = Programme.objects.get(code="DEMO-JP-0714")
    services.application_save(actor=student, call=call, application=application_input(year_of_study=2, grade="90", programme=programme.pk),
                              option_ids=[option.pk], submit=True)
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
        {"code": "ZH-PLC", "title": "用IEC 61131-3语言编写和调试PLC控制程序", "credits": "3", "hours": 90},
    ])
    for party, who in ((Party.LEARNER, student), (Party.SENDING, coordinator), (Party.RECEIVING, host)):
        during.mobility_agreement_sign(actor=who, agreement=agreement, party=party)
    component = agreement.components.get()
    # What the host's programme says the component teaches, in Chinese only, worded independently of the home module.
    from ortaq.programmes import services as programme_services
    from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails

    host_programme = programme_services.programme_create(actor=host, details=ProgrammeDetails(code="HOST-ZH", title_en="Automation (host)", isced_code="0714"),
                                                         awarding=[condition.receiving])
    host_module = programme_services.module_add(actor=host, programme=host_programme, module=ModuleDetails(code="ZH-1", title_en="PLC", title_zh="可编程控制器", credits=3))
    for code, text in (("LO1", "能用IEC 61131-3语言编写PLC控制程序并进行调试"), ("LO2", "能把传感器和执行机构接到控制器上，并检查输入输出信号")):
        component.outcomes.add(programme_services.outcome_add(actor=host, module=host_module, outcome=OutcomeText(code=code, text_zh=text)))
    during.transcript_record(actor=host, agreement=agreement, component=component, host_grade="93", host_scale="percent")
    return agreement


def test_a_coordinator_accepts_a_confident_proposal_for_a_module_studied_in_chinese_and_sees_it_counted(page, live_server, studied_in_chinese, axe_check):
    problems = {}
    sign_in(page, live_server, "coordinator", language="kk")
    page.goto(f"{live_server.url}/kk/mobility/agreements/{studied_in_chinese.pk}/")
    page.locator("form[action*='/recognition/open/'] button").click()
    expect(page.locator("#dossier-state")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "kk")

    # The first proposal: the home PLC module, with a high probability and its explanation.
    first = page.locator("li.proposal").first
    expect(first.locator("strong")).to_contain_text("PLC-1")
    score = int(re.match(r"(\d+)%", first.locator(".proposal-score").inner_text()).group(1))
    assert score >= 70
    explanation = first.locator("table.explanation")
    expect(explanation).to_be_visible()
    expect(explanation.locator("td[lang=zh-Hans] mark[lang=zh-Hans]").first).to_be_visible()  # studied abroad, in Chinese
    expect(explanation.locator("td[lang=kk] mark[lang=kk]").first).to_be_visible()  # the home outcome, in the reader's Kazakh
    problems["dossier (kk)"] = axe_check(page)

    # Accept: the proposed module is already chosen; full recognition.
    section = page.locator("section.card").first
    section.locator("select[name=decision]").select_option("full")
    section.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".item-decision").first).not_to_have_text("")

    # Home → the statistics, by clicking.
    page.goto(f"{live_server.url}/kk/")
    page.locator("#alignment-stats-link").click()
    page.wait_for_url("**/kk/recognition/alignment/")
    monthly = page.locator("#alignment-monthly")
    expect(monthly).to_contain_text("zh → kk")
    expect(monthly).to_contain_text(dt.date.today().strftime("%Y-%m"))
    expect(monthly).to_contain_text("100%")
    problems["statistics (kk)"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}

    from ortaq.recognition.models import AlignmentDecision

    decision = AlignmentDecision.objects.get(item__dossier__mobility_agreement=studied_in_chinese)
    assert (decision.verdict, decision.abroad_lang, decision.reviewer_language) == ("accept", "zh", "kk")
