"""A manager's professional development from nomination to micro-credential and growth chart."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_manager_completes_a_cohort_and_sees_growth(page, live_server, demo_world, axe_check):
    from ortaq.training.models import Course

    course = Course.objects.get(code="AI-101")
    problems = {}

    # The trainer creates a cohort with sessions.
    sign_in(page, live_server, "trainer")
    page.goto(f"{live_server.url}/en/training/new/")
    page.select_option("#id_course", str(course.pk))
    page.fill("#id_title", "Autumn 2026 cohort")
    page.select_option("#id_format", "online")
    page.fill("#id_start_date", "2026-09-01")
    page.fill("#id_end_date", "2026-10-30")
    page.fill("#id_capacity", "20")
    page.fill("#id_sessions", "2026-09-01 10:00 | AI foundations\n2026-09-15 10:00 | Ethics and data protection")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Autumn 2026 cohort")
    cohort_url = page.url

    # The college nominates its manager.
    page.context.clear_cookies()
    sign_in(page, live_server, "coordinator.taraz")
    page.goto(cohort_url)
    page.click("button:has-text('Nominate')")
    expect(page.locator(".messages")).to_contain_text("Nominated")

    # The trainer enrols the manager.
    page.context.clear_cookies()
    sign_in(page, live_server, "trainer")
    page.goto(cohort_url)
    page.click("button:has-text('Enrol')")

    # The manager completes the initial self-assessment in Russian.
    page.context.clear_cookies()
    sign_in(page, live_server, "manager", language="ru")
    page.goto(cohort_url.replace("/en/", "/ru/"))
    page.click("a[href*='self-assessment/before/unesco_ai_teachers']")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    problems["self-assessment (ru)"] = axe_check(page)
    for radio in page.locator("input[type=radio][value='1']").all():
        radio.check()
    page.click("main form button[type=submit]")
    expect(page.locator(".messages .success, .messages .message").first).to_be_visible()

    # The trainer moves the cohort on, records attendance and the final project, and checks completion.
    page.context.clear_cookies()
    sign_in(page, live_server, "trainer")
    page.goto(cohort_url)
    page.select_option("#cohort-state", "running")
    page.click("form:has(#cohort-state) button")
    for form in page.locator("form:has(input[name=present])").all():
        form.locator("input[name=present]").check()
        form.locator("button").click()
        page.wait_for_load_state()
    page.goto(cohort_url)
    page.click("summary:has-text('Assess work')")
    page.select_option("select[name=kind]", "final_project")
    page.fill("input[name=title]", "An AI plan for Taraz college")
    for field in page.locator("input[name^=score-]").all():
        field.fill("20")
    page.click("button:has-text('Save the assessment')")
    page.click("button:has-text('Check completion and issue the micro-credential')")
    expect(page.locator("main")).to_contain_text("Completed")
    problems["cohort (trainer)"] = axe_check(page)

    # The manager closes with the after-course self-assessment and sees the credential and the growth chart.
    page.context.clear_cookies()
    sign_in(page, live_server, "manager")
    page.goto(cohort_url)
    page.click("a[href*='self-assessment/after/unesco_ai_teachers']")
    for radio in page.locator("input[type=radio][value='2']").all():
        radio.check()
    page.click("main form button[type=submit]")
    page.goto(cohort_url)
    expect(page.locator("#my-credential")).to_be_visible()
    expect(page.locator(".growth-chart")).to_be_visible()
    expect(page.locator("#growth-table")).to_contain_text("Ethics of AI")
    problems["cohort (manager)"] = axe_check(page)
    page.goto(f"{live_server.url}/en/wallet/")
    expect(page.locator("main")).to_contain_text("Professional-development micro-credential")
    assert {k: v for k, v in problems.items() if v} == {}
