"""Students start at the home page and, by clicking only, apply to the open call, log a week abroad and answer a
placement: in Kazakh (the students' language) and English."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["kk", "en"])
def test_a_student_goes_from_home_to_the_open_call_applies_and_sees_her_status(page, live_server, demo_world, axe_check, language):
    from ortaq.mobility.models import Application, Call

    problems = {}
    sign_in(page, live_server, "student", language)
    problems["home"] = axe_check(page)
    # The inbox lists what waits (drafts, answers, weeks); an open call she has not started is not one of them,
    # so she finds it where calls are listed: the main menu's mobility page.
    call = Call.objects.get(state="open", title__startswith="Internships in Tianjin, autumn")
    page.locator(f"nav a[href='/{language}/mobility/']").first.click()
    page.wait_for_url(f"**/{language}/mobility/")
    problems["mobility"] = axe_check(page)

    # The open call → its application form: her certificates meet the requirements of both options.
    page.locator(f"main a[href='/{language}/mobility/calls/{call.pk}/']").click()
    page.wait_for_url(f"**/{language}/mobility/calls/{call.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#rank-1")).to_be_visible()
    problems["call"] = axe_check(page)
    options = [value for value in page.locator("#rank-1 option").evaluate_all("els => els.map(e => e.value)") if value]
    assert len(options) == 2

    page.locator("#id_app-programme").select_option(index=1)
    page.fill("#id_app-year_of_study", "2")
    page.fill("#id_app-grade", "91")
    page.fill("#id_app-motivation", "Контроллерлермен жұмыс істегім келеді. I want to commission real lines.")
    page.select_option("#rank-1", options[0])
    page.select_option("#rank-2", options[1])
    page.locator("main button[name=submit]").click()

    # Her status and receipt, on the call's page.
    expect(page.locator("#receipt")).to_be_visible()
    application = Application.objects.get(call=call, applicant__username="student")
    assert application.state == "submitted"
    expect(page.locator("#receipt")).to_have_text(application.receipt)
    expect(page.locator("#application-state")).not_to_be_empty()
    problems["call after submitting"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("language", ["kk", "en"])
def test_an_intern_goes_from_the_home_inbox_to_her_agreement_and_logs_this_week(page, live_server, demo_world, axe_check, language):
    from django.utils import timezone, translation

    from ortaq.mobility.models import LogbookEntry

    problems = {}
    sign_in(page, live_server, "student.intern", language)
    problems["home"] = axe_check(page)
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    assert not LogbookEntry.objects.filter(agreement__nomination__application__applicant__username="student.intern", week_start=monday).exists()

    # The inbox's "Logbook weeks to fill in" appears only once a whole week is due (it depends on the weekday);
    # the inbox card's link to her agreements always leads there, and that page names her next step.
    page.locator(f"#inbox a[href='/{language}/mobility/agreements/mine/']").click()
    page.wait_for_url(f"**/{language}/mobility/agreements/mine/")
    problems["my agreements"] = axe_check(page)
    page.locator("#my-agreements tbody a[href*='/mobility/agreements/']").first.click()
    page.wait_for_url(f"**/{language}/mobility/agreements/*/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    problems["agreement"] = axe_check(page)

    # This week, logged: it waits for the supervisor.
    page.locator("main details:has(form[action$='/logbook/']) > summary").click()
    page.fill("#week_start", monday.isoformat())
    page.fill("#hours", "32")
    page.fill("#description", "Commissioned the new packing line's cabinet with the engineer.")
    page.locator("main form[action*='/logbook/'] button[type=submit]").click()
    row = page.locator("main tr", has_text="Commissioned the new packing line's cabinet")
    expect(row).to_be_visible()
    entry = LogbookEntry.objects.get(agreement__nomination__application__applicant__username="student.intern", week_start=monday)
    assert entry.state == "submitted"
    with translation.override(language):
        expect(row).to_contain_text(str(entry.get_state_display()))
    problems["agreement after logging"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("language", ["kk", "en"])
def test_a_placed_student_goes_from_the_home_inbox_to_her_placement_and_accepts_it(page, live_server, demo_world, axe_check, language):
    from django.utils import translation

    from ortaq.mobility.models import Nomination

    # The demo's `student` has no placement yet (she is about to apply); her classmate `almaty.student4` was
    # placed in last year's call and has not answered yet, so the inbox asks her.
    problems = {}
    sign_in(page, live_server, "almaty.student4", language)
    nomination = Nomination.objects.get(application__applicant__username="almaty.student4", answer="pending")

    page.locator(f"#inbox a[href='/{language}/mobility/placements/{nomination.pk}/']").click()
    page.wait_for_url(f"**/{language}/mobility/placements/{nomination.pk}/")
    expect(page.locator("#placement-answer-form button[value=decline]")).to_be_visible()
    problems["placement"] = axe_check(page)

    page.locator("#placement-answer-form button[value=accept]").click()
    expect(page.locator("#placement-answer-form")).to_have_count(0)
    nomination.refresh_from_db()
    assert nomination.answer == "accepted"
    with translation.override(language):
        expect(page.locator("#placement-answer")).to_contain_text(str(nomination.get_answer_display()))
    problems["placement after answering"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}
