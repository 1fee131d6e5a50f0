"""A manager in training starts at the home page and, by clicking only, follows the inbox to the running cohort
and fills in the self-assessment it asks for: in Russian (the manager's language) and Kazakh."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_manager_goes_from_the_home_inbox_to_the_cohort_and_self_assesses(page, live_server, demo_world, axe_check, language):
    from ortaq.training.models import SelfAssessment

    problems = {}
    sign_in(page, live_server, "manager", language)
    problems["home"] = axe_check(page)
    before = SelfAssessment.objects.filter(enrolment__manager__username="manager").count()

    # Home → the inbox's "self-assessments to do" → the cohort.
    page.locator(f"main a[href^='/{language}/training/']").first.click()
    page.wait_for_url(f"**/{language}/training/*/")
    cohort_url = page.url
    participation = page.locator("section[aria-labelledby=me-heading]")
    expect(participation).to_be_visible()
    problems["cohort"] = axe_check(page)

    # The self-assessment not yet done (no ✔ after it) → every area rated → saved, back on the cohort.
    participation.locator("li:not(:has-text('✔')) a[href*='/self-assessment/']").first.click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main form fieldset").first).to_be_visible()
    problems["self-assessment"] = axe_check(page)
    for fieldset in page.locator("main form fieldset").all():
        fieldset.locator("input[type=radio]").nth(1).check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(cohort_url)
    expect(page.locator(".messages")).to_be_visible()
    assert SelfAssessment.objects.filter(enrolment__manager__username="manager").count() == before + 1
    assert {k: v for k, v in problems.items() if v} == {}
