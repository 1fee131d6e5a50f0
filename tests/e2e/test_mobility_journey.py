"""An internship from offer to transcript, across four languages, in Chromium."""

import datetime as dt
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.mobility.conftest import application_input

pytestmark = pytest.mark.e2e



def fresh(page, live_server, username, language="en"):
    page.context.clear_cookies()
    sign_in(page, live_server, username, language=language)


def test_an_internship_from_offer_to_transcript(page, live_server, demo_world, axe_check):
    from ortaq.accounts.models import LanguageCertificate, User
    from ortaq.agreements.models import Agreement
    from ortaq.programmes.models import LearningOutcome

    student = User.objects.get(username="student")
    LanguageCertificate.objects.create(user=student, language="zh", framework="hsk", level="4")
    condition = Agreement.objects.get(reference="DEMO-IIA-001").conditions.get(mobility_type="student_internship")
    outcome = LearningOutcome.objects.filter(module__code="PLC-1").first()
    problems = {}

    # 1. The enterprise posts an internship offer.
    fresh(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/en/mobility/offers/new/")
    page.fill("#id_title", "PLC commissioning intern")
    page.fill("#id_tasks", "Commission and test PLC cabinets")
    page.fill("#id_city", "Tianjin")
    page.fill("#id_start_date", "2026-09-07")
    page.fill("#id_end_date", "2026-11-27")
    page.fill("#id_places", "2")
    page.select_option("#id_isced_code", "0714")
    page.click("button[name=publish]")
    expect(page.locator("main")).to_contain_text("PLC commissioning intern")
    problems["offers"] = axe_check(page)

    # 2. The coordinator opens a call with places from the agreement and from the offer.
    fresh(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/en/mobility/calls/new/")
    page.select_option("#id_owner", label="Almaty Higher Polytechnic College (demo)")
    page.fill("#id_title", "Tianjin internships 2026")
    page.select_option("#id_mobility_type", "student_internship")
    page.fill("#id_academic_year", "2026")
    page.fill("#id_deadline", (dt.datetime.now() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_lottery_seed", "20260901")
    page.click("main form button[type=submit]")
    expect(page.locator("#call-state")).to_be_visible()
    call_url = page.url
    page.select_option("#opt-source", f"c{condition.pk}")
    page.fill("#opt-places", "1")
    page.click("button:has-text('Add option')")
    expect(page.locator(".messages")).to_contain_text("Option added.")
    from ortaq.mobility.models import InternshipOffer

    page.select_option("#opt-source", f"o{InternshipOffer.objects.get(title='PLC commissioning intern').pk}")
    page.fill("#opt-places", "1")
    page.click("button:has-text('Add option')")
    expect(page.locator("main table").first).to_contain_text("Tianjin Zhilian")
    page.click("text=Open for applications")
    expect(page.locator("#call-state")).to_have_text("Open for applications")
    problems["call (coordinator)"] = axe_check(page)

    # A classmate with a higher grade applies for the agreement's single place.
    from ortaq.mobility import services
    from ortaq.mobility.models import Call
    from tests.conftest import make_user

    call = Call.objects.get(title="Tianjin internships 2026")
    classmate = make_user("classmate", (call.owner, "student"))
    LanguageCertificate.objects.create(user=classmate, language="zh", framework="hsk", level="5")
    condition_option = call.options.get(condition__isnull=False)
    offer_option = call.options.get(offer__isnull=False)
    services.application_save(actor=classmate, call=call, application=application_input(year_of_study=3, grade="98"), option_ids=[condition_option.pk], submit=True)

    # 3. The student applies in Kazakh.
    fresh(page, live_server, "student", language="kk")
    page.goto(call_url.replace("/en/", "/kk/"))
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    page.fill("#id_app-year_of_study", "2")
    page.fill("#id_app-grade", "84")
    page.fill("#id_app-motivation", "Контроллерлермен жұмыс істегім келеді.")
    page.select_option("#rank-1", str(condition_option.pk))
    page.select_option("#rank-2", str(offer_option.pk))
    page.click("button[name=submit]")
    expect(page.locator("#receipt")).to_be_visible()
    problems["call (applicant, kk)"] = axe_check(page)

    # 4. The coordinator closes the call, runs the dry run, inspects it and publishes.
    fresh(page, live_server, "coordinator")
    page.goto(call_url)
    page.click("button:has-text('Close applications')")
    page.click("button:has-text('Run a placement round')")
    expect(page.locator("#round-state")).to_have_text("Dry run ready")
    expect(page.locator("main")).to_contain_text("100%")
    problems["round"] = axe_check(page)
    page.click("button:has-text('Publish the results')")
    expect(page.locator("#round-state")).to_have_text("Published")

    # 5. The student sees the placement and why not the first choice, in Chinese.
    fresh(page, live_server, "student", language="zh-hans")
    page.goto(call_url.replace("/en/", "/zh-hans/"))
    expect(page.locator("#placement-result")).to_contain_text("天津智联装备有限公司")
    expect(page.locator("#placement-explanations")).to_contain_text("天津海河智造职业学院")
    problems["result (zh)"] = axe_check(page)

    # 6. The host accepts the nomination.
    fresh(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/en/mobility/nominations/")
    page.click("button[name=decision][value=accept]")
    expect(page.locator("main")).to_contain_text("Accepted")

    # 7. The learner drafts the training agreement and the three parties sign.
    fresh(page, live_server, "student")
    page.goto(call_url)
    page.fill("#la-start", "2026-09-07")
    page.fill("#la-end", "2026-11-27")
    page.click("text=Create the agreement")
    expect(page.locator("#la-state")).to_have_text("Draft")
    agreement_url = page.url
    # Before anyone signs, the components are picked: here the company's task, recognised as the home module, with its outcome.
    page.fill("#id_other_code", "T1")
    page.fill("#id_other_title", "Commission PLC cabinets")
    page.fill("#id_other_credits", "3")
    page.select_option("#id_recognised_as_other", value=str(outcome.module_id))
    page.check(f"input[name=outcomes][value='{outcome.pk}']")
    problems["agreement picker"] = axe_check(page)
    page.click("#edit-components button:has-text('Save')")
    expect(page.locator("#la-version")).to_have_text("2")  # created empty (version 1), components picked (2)
    expect(page.locator("main table").first).to_contain_text(f"{outcome.module.code} {outcome.module.title_en}")
    page.click("button:has-text('Sign as Learner')")
    fresh(page, live_server, "coordinator")
    page.goto(agreement_url)
    page.click("button:has-text('Sign as Sending institution')")
    fresh(page, live_server, "supervisor")
    page.goto(agreement_url)
    page.click("button:has-text('Sign as Receiving institution')")
    expect(page.locator("#la-state")).to_have_text("Signed by all three parties")
    supervisor_link = page.locator("#supervisor-link").inner_text()

    # 8. The learner logs a week; the supervisor verifies it through the link, signed out.
    fresh(page, live_server, "student")
    page.goto(agreement_url)
    page.click("summary:has-text('Log a week')")
    page.fill("#week_start", "2026-09-07")
    page.fill("#hours", "32")
    page.fill("#description", "Wired and tested two cabinets")
    page.click("button:has-text('Submit the week')")
    expect(page.locator("main")).to_contain_text("Wired and tested two cabinets")
    problems["agreement (learner)"] = axe_check(page)
    page.context.clear_cookies()
    page.goto(supervisor_link)
    expect(page.locator("main")).to_contain_text("Wired and tested two cabinets")
    problems["supervisor link"] = axe_check(page)
    page.fill("input[name=verified_hours]", "30")
    page.click("button[name=decision][value=verify]")
    expect(page.locator("main")).to_contain_text("Verified by the host")

    # 9. The host evaluates the outcome and records the result; the transcript appears.
    sign_in(page, live_server, "supervisor")
    page.goto(agreement_url)
    page.select_option(f"#rating-{outcome.pk}", "achieved")
    page.click(f"form:has(#rating-{outcome.pk}) button")
    page.fill("#result-grade", "92")
    page.select_option("#result-scale", "percent")
    page.click("text=Record result")
    expect(page.locator("#transcript")).to_contain_text("A-")
    problems["agreement (host)"] = axe_check(page)

    assert {k: v for k, v in problems.items() if v} == {}
