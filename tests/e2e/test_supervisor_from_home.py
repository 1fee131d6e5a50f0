"""A company supervisor starts at the home page and, by clicking only, follows the inbox's "logbook weeks to
verify" to the intern's training agreement and verifies a week: in Chinese (the supervisor's language) and English."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_supervisor_goes_from_the_home_inbox_to_a_logbook_week_and_verifies_it(page, live_server, demo_world, axe_check, language):
    from ortaq.mobility.models import LogbookEntry

    problems = {}
    sign_in(page, live_server, "supervisor", language)
    problems["home"] = axe_check(page)
    waiting = LogbookEntry.objects.filter(state="submitted").count()
    assert waiting >= 1

    # Home → the inbox's "logbook weeks to verify" → the agreement, with the week's verify form.
    page.locator(f"main a[href^='/{language}/mobility/agreements/']:not([href$='/mine/'])").first.click()
    page.wait_for_url(f"**/{language}/mobility/agreements/*/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    verify = page.locator("form[action$='/verify/'] button[value=verify]")
    expect(verify.first).to_be_visible()
    problems["agreement"] = axe_check(page)

    # Verify the first week waiting: one week fewer waits, and the page says so.
    verify.first.click()
    expect(page.locator(".messages")).to_be_visible()
    assert LogbookEntry.objects.filter(state="submitted").count() == waiting - 1
    problems["agreement after verifying"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}
