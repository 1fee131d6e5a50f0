"""A coordinator registers a partner, drafts an agreement, both parties approve, an edit voids the approvals."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_two_coordinators_agree_and_an_edit_voids_their_approvals(page, live_server, demo_world):
    sign_in(page, live_server, "coordinator")

    # Register a partner enterprise; bad input first.
    page.goto(f"{live_server.url}/en/institutions/new/")
    page.select_option("#id_kind", "enterprise")
    page.fill("#id_name_original", "«Алатау Роботика» ЖШС")
    page.select_option("#id_country", "KZ")
    page.fill("#id_kz_bin", "123")
    page.click("main form button[type=submit]")
    expect(page.locator(".error").first).to_contain_text("12 digits")
    page.fill("#id_kz_bin", "")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("«Алатау Роботика» ЖШС")
    expect(page.locator("main")).to_contain_text("«Alatau Robotika» ZhShS")

    # Draft an agreement between the coordinator's college and the Tianjin partner.
    page.goto(f"{live_server.url}/en/agreements/new/")
    page.select_option("#id_initiator", label="Almaty Higher Polytechnic College (demo)")
    page.select_option("#id_partners", label="Tianjin Haihe Smart Manufacturing Vocational College (demo)")
    page.select_option("#id_kind", "inter_institutional")
    page.fill("#id_title", "Robotics internships (e2e)")
    page.fill("#id_start_year", "2026")
    page.fill("#id_end_year", "2025")
    page.click("main form button[type=submit]")
    expect(page.locator(".error").first).to_contain_text("cannot be before")
    page.fill("#id_end_year", "2028")
    page.click("main form button[type=submit]")
    expect(page.locator("#agreement-state")).to_have_text("Draft")

    # A cooperation condition, then propose.
    page.select_option("#id_mobility_type", "student_internship")
    page.select_option("#id_sending", label="Almaty Higher Polytechnic College (demo)")
    page.select_option("#id_receiving", label="Tianjin Haihe Smart Manufacturing Vocational College (demo)")
    page.select_option("#id_isced_code", "0714")
    page.fill("#id_places_per_year", "0")
    page.fill("#id_duration", "3")
    page.fill("#id_start_year", "2026")
    page.fill("#id_end_year", "2027")
    page.click("text=Add condition")
    expect(page.locator(".error").first).to_be_visible()
    page.fill("#id_places_per_year", "6")
    page.click("text=Add condition")
    expect(page.locator("main")).to_contain_text("Student internship")
    page.click("text=Propose to partners")
    expect(page.locator("#agreement-state")).to_have_text("Proposed")
    agreement_url = page.url

    # Both parties approve.
    page.click("text=Approve for Almaty Higher Polytechnic College (demo)")
    expect(page.locator(".message.success")).to_contain_text("Approval recorded")
    page.click("text=Sign out")
    sign_in(page, live_server, "coordinator.cn")
    page.goto(agreement_url)
    page.click("text=Approve for Tianjin Haihe Smart Manufacturing Vocational College (demo)")
    expect(page.locator("#agreement-state")).to_have_text("Approved")

    # An edit by either party voids the approvals.
    page.click("text=Edit")
    page.fill("#id_title", "Robotics internships (e2e), amended")
    page.click("main form button[type=submit]")
    expect(page.locator("#agreement-state")).to_have_text("Proposed")
    expect(page.locator("main")).to_contain_text("voided by a later edit")

    # Switch language: the same page in Chinese.
    page.select_option("#language-select", "zh-hans")
    page.wait_for_url(re.compile(r"/zh-hans/agreements/\d+/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#agreement-state")).not_to_have_text("Proposed")


@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans", "en"])
def test_main_pages_have_no_serious_accessibility_violations(page, live_server, demo_world, axe_check, language):
    from ortaq.agreements.models import Agreement
    from ortaq.institutions.models import Institution
    from ortaq.programmes.models import Programme

    sign_in(page, live_server, "coordinator", language=language)
    agreement = Agreement.objects.get(reference="DEMO-IIA-001")
    institution = Institution.objects.get(schac="almaty-poly.demo.ortaq.kz")
    programme = Programme.objects.get(code="DEMO-JP-0714")
    paths = ["", "institutions/", f"institutions/{institution.pk}/", "institutions/new/", "agreements/", f"agreements/{agreement.pk}/",
             "agreements/new/", "programmes/", f"programmes/{programme.pk}/", "accounts/profile/"]
    problems = {}
    for path in paths:
        page.goto(f"{live_server.url}/{language}/{path}")
        if found := axe_check(page):
            problems[path] = found
    assert problems == {}


def test_the_sign_in_page_is_accessible_and_rejects_a_wrong_password(page, live_server, demo_world, axe_check):
    page.goto(f"{live_server.url}/kk/accounts/login/")
    assert axe_check(page) == []
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "wrong password")
    page.click("main form button[type=submit]")
    expect(page.locator(".errors")).to_be_visible()
