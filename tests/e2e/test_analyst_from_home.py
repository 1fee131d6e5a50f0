"""A ministry analyst starts at the home page and, by clicking only, opens the dashboards, filters them, asks for
a recalculation that the page follows by itself until it is done, and downloads a table: in English and Russian."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_analyst_goes_from_home_to_a_filtered_recalculated_exported_dashboard(page, live_server, demo_world, axe_check, settings, language):
    from ortaq.analytics.models import Refresh
    from ortaq.analytics.services import aggregates_refresh

    # No worker in this test: the rebuild waits in the queue until the test runs it, so the page must follow it.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    problems = {}
    sign_in(page, live_server, "analyst", language)
    expect(page.locator("html")).to_have_attribute("lang", language)

    # Home → the inbox's "dashboards to look at".
    page.locator(f"main a[href='/{language}/analytics/']").first.click()
    page.wait_for_url(f"**/{language}/analytics/")
    expect(page.locator("#t-funnel")).to_be_visible()
    problems["dashboard"] = axe_check(page)

    # A filter: the newest academic year on offer.
    year = page.locator("#f-year option").nth(1).get_attribute("value")
    page.select_option("#f-year", year)
    page.locator("form.analytics-filters button[type=submit]").click()
    page.wait_for_url(f"**/{language}/analytics/?*year={year}*")
    expect(page.locator("#f-year")).to_have_value(year)

    # The refresh: queued, followed on the page, finished by the "worker" (here, the test) and shown without a reload.
    page.locator("form[action$='/analytics/refresh/'] button").click()
    status = page.locator("#refresh-status")
    expect(status).to_have_attribute("data-state", "queued")
    expect(status.locator("progress")).to_be_visible()
    problems["refresh in progress"] = axe_check(page)
    refresh = Refresh.objects.get(state="queued")
    aggregates_refresh(refresh_id=refresh.pk)
    expect(page.locator("#refresh-status")).to_have_attribute("data-state", "done", timeout=10_000)
    expect(page.locator(".freshness")).to_be_visible()

    # An export of the funnel, as a download.
    with page.expect_download() as download:
        page.locator("section[aria-labelledby=h-funnel] .exports a", has_text="CSV").click()
    assert download.value.suggested_filename == "ortaq-funnel.csv"
    assert download.value.path().read_text(encoding="utf-8-sig").count("\n") >= 4
    problems["dashboard after the refresh"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}
