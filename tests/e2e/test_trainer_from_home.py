"""A trainer starts at the home page and, by clicking only, follows the inbox's next session to the cohort and
records a participant's assessed work: in Chinese (the trainer's language) and English."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_trainer_goes_from_the_home_inbox_to_the_cohort_and_records_an_assessment(page, live_server, demo_world, axe_check, language):
    from ortaq.training.models import Assessment

    problems = {}
    sign_in(page, live_server, "trainer", language)
    problems["home"] = axe_check(page)

    # Home → the inbox's "next session" → the cohort, with its participants.
    page.locator(f"main a[href^='/{language}/training/']").first.click()
    page.wait_for_url(f"**/{language}/training/*/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    problems["cohort"] = axe_check(page)

    # "Assess work" for the first enrolled participant: the kind, a title, every rubric criterion at its maximum.
    row = page.locator("main table tr:has(summary)").first
    row.locator("summary").click()
    form = row.locator("form[action$='/assess/']")
    form.locator("select[name=kind]").select_option(index=0)
    form.locator("input[name=title]").fill("Digital plan, draft 1")
    for score in form.locator("input[name^=score-]").all():
        score.fill(score.get_attribute("max"))
    form.locator("button[type=submit]").click()
    expect(page.locator("main table").first).to_contain_text("Digital plan, draft 1")
    expect(page.locator("main table").first).to_contain_text("100%")
    assert Assessment.objects.filter(title="Digital plan, draft 1").count() == 1
    problems["cohort after the assessment"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}
