"""A cohort's diplomas from the registrar's desk to an anonymous verifier, then revoked."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_diploma_is_issued_shared_verified_and_revoked(page, live_server, demo_world, axe_check):
    from ortaq.accounts.models import User
    from ortaq.programmes.models import Programme

    student = User.objects.get(username="student")
    programme = Programme.objects.get(code="DEMO-JP-0714")
    problems = {}

    sign_in(page, live_server, "registrar")
    page.goto(f"{live_server.url}/en/wallet/registrar/")
    page.select_option("#id_programme", str(programme.pk))
    page.check(f"input[name=holders][value='{student.pk}']")
    page.fill("#id_graduation_date", "2026-06-30")
    page.click("button:has-text('Prepare the batch')")
    expect(page.locator(".messages")).to_contain_text("A registrar must approve it")
    # Four eyes: the registrar who prepared the batch sees the rule, not an approve button; the administrator approves.
    expect(page.locator("#four-eyes-rule")).to_be_visible()
    expect(page.locator("button:has-text('Approve and issue')")).to_have_count(0)
    problems["registrar"] = axe_check(page)
    page.context.clear_cookies()
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/en/wallet/registrar/")
    page.click("button:has-text('Approve and issue')")
    expect(page.locator(".batch-state").first).to_have_text("Done")

    page.context.clear_cookies()
    sign_in(page, live_server, "student", language="kk")
    page.goto(f"{live_server.url}/kk/wallet/")
    expect(page.locator("a[href$='/wallet/registrar/']")).to_have_count(0)  # a student has no registrar's desk
    page.locator("section.card h2 a").first.click()  # the credential's own page
    with page.expect_download() as download:
        page.locator("form[action$='certificate.pdf'] button").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    pdf_path = download.value.path()
    page.locator("input[name=days]").first.fill("30")
    page.locator("form[action$='/share/'] button").first.click()
    code = page.locator(".share-code").first.inner_text()
    expect(page.locator(".qr svg").first).to_be_visible()
    problems["wallet"] = axe_check(page)
    # Add to a wallet: both QR codes (the Learner Credential Wallet's VC-API link, an OpenID credential offer).
    page.click("#add-to-wallet")
    page.click("#make-wallet-offer")
    expect(page.locator("#lcw-link")).to_have_attribute("href", re.compile(r"^https://lcw\.app/request\.html\?request="))
    expect(page.locator("#oid4vci-link")).to_have_attribute("href", re.compile(r"^openid-credential-offer://\?credential_offer="))
    expect(page.locator(".qr svg")).to_have_count(2)
    problems["add_to_wallet"] = axe_check(page)

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/zh-hans/verify/")
    page.set_input_files("#verify-file", pdf_path)  # the paper diploma's PDF carries the signed credential
    page.locator("form[enctype] button[type=submit]").click()
    expect(page.locator("#verify-holder")).to_contain_text("Дана Серікқызы")
    expect(page.locator("#verify-status")).to_be_visible()
    page.goto(f"{live_server.url}/zh-hans/verify/")
    page.fill("#verify-code", code)
    page.click("#code-form button")
    expect(page.locator("#verify-holder")).to_contain_text("Дана Серікқызы")
    status_valid = page.locator("#verify-status").inner_text()
    problems["verify"] = axe_check(page)

    # The registrar finds the diploma, downloads its PDF and sees that it was shared and verified.
    sign_in(page, live_server, "registrar")
    page.goto(f"{live_server.url}/en/wallet/registrar/")
    page.fill("#desk-q", "Дана")
    page.click("form[role=search] button")
    page.locator("td a", has_text="Dual diploma").first.click()
    expect(page.locator("#share-count")).to_have_text("1 time")
    expect(page.locator("#verification-count")).to_have_text("2 times")
    with page.expect_download() as registrar_download:
        page.locator("form[action$='certificate.pdf'] button").click()
    assert registrar_download.value.suggested_filename.endswith(".pdf")
    problems["registrar_detail"] = axe_check(page)

    page.goto(f"{live_server.url}/en/wallet/registrar/")
    row = page.locator("tr", has_text="Дана Серікқызы")
    row.locator("select[name=state]").select_option("revoked")
    row.locator("input[name=reason]").fill("Issued in error")
    row.locator("button:has-text('Apply')").click()
    expect(page.locator(".messages")).to_contain_text("Status changed")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/en/verify/{code}")
    expect(page.locator("#verify-status")).to_have_text("revoked")
    assert status_valid != page.locator("#verify-status").inner_text()
    assert {k: v for k, v in problems.items() if v} == {}
