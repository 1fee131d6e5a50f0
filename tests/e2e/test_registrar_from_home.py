"""A registrar starts at the home page and, by clicking only, reaches the registrar's desk, searches the issued
credentials for a holder and downloads a certificate's PDF: in Russian (the registrar's language) and English."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_registrar_goes_from_home_to_the_desk_searches_and_downloads_a_pdf(page, live_server, demo_world, axe_check, language):
    problems = {}
    sign_in(page, live_server, "registrar", language)

    # Home → the wallet (main menu) → the registrar's desk.
    page.locator(f"nav a[href='/{language}/wallet/']").first.click()
    page.locator(f"main a[href='/{language}/wallet/registrar/']").click()
    page.wait_for_url(f"**/{language}/wallet/registrar/")
    expect(page.locator("#desk-q")).to_be_visible()
    problems["desk"] = axe_check(page)

    # Every issued credential, then a search for the first holder's name.
    page.locator(f"main a[href='/{language}/wallet/registrar/credentials/']").first.click()
    first = page.locator("main table tbody tr").first
    holder = first.locator("td").first.inner_text().split(" (")[0].strip()
    assert holder and holder != "—"
    page.locator("main form[role=search] input[name=q]").fill(holder)
    page.locator("main form[role=search] button[type=submit]").click()
    page.wait_for_url("**/registrar/credentials/?*q=*")
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_contain_text(holder)
    problems["search"] = axe_check(page)

    # The first result's certificate, as a PDF download.
    with page.expect_download() as download:
        rows.first.locator("a[href$='/certificate.pdf']").click()
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
    assert {k: v for k, v in problems.items() if v} == {}
