"""A coordinator starts at the home page and, by clicking only, follows the inbox to the dry-run round, publishes
it and finds the nominations it made, then opens the recognition dossier to decide and reads the AI proposals: in
Russian and Chinese."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# What Python data would look like on the page: a list, a dict or a tuple's repr.
RAW = re.compile(r"[\[{(]'|'[\]})]|\{\"|Decimal\(|None\b")


@pytest.mark.parametrize("language", ["ru", "zh-hans"])
def test_a_coordinator_goes_from_the_home_inbox_to_the_dry_run_publishes_it_and_sees_the_nominations(page, live_server, demo_world, axe_check, language):
    from ortaq.mobility.models import Nomination, PlacementRound

    problems = {}
    sign_in(page, live_server, "coordinator", language)
    problems["home"] = axe_check(page)
    dry_run = PlacementRound.objects.get(state="dry_run", call__title__startswith="Internships at Tianjin Haihe college")

    # Home → the inbox's "placement rounds to check and publish" → the round, its cut-offs in words.
    page.locator(f"#inbox a[href='/{language}/mobility/rounds/{dry_run.pk}/']").click()
    page.wait_for_url(f"**/{language}/mobility/rounds/{dry_run.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    cutoffs = page.locator("#fill-rates tbody tr td:nth-child(5)").all_inner_texts()
    assert cutoffs and all(text.strip() and not RAW.search(text) for text in cutoffs), cutoffs
    assert not RAW.search(page.locator("#round-status").inner_text())
    problems["dry run"] = axe_check(page)

    # Publish: the round says so, and the host has a nomination for each person placed.
    page.locator(f"form[action='/{language}/mobility/rounds/{dry_run.pk}/publish/'] button").click()
    expect(page.locator(".messages")).to_be_visible()
    dry_run.refresh_from_db()
    assert dry_run.state == "published"
    placed = dry_run.stats["placed"]
    assert Nomination.objects.filter(application__call=dry_run.call, state="pending").count() == placed >= 1
    problems["published"] = axe_check(page)

    # The round's call (its title heads the page) → its applications whose nomination waits for the host.
    page.locator(f"main h1 a[href='/{language}/mobility/calls/{dry_run.call_id}/']").click()
    page.wait_for_url(f"**/{language}/mobility/calls/{dry_run.call_id}/")
    page.locator("#app-status").select_option("pending")
    page.locator("main form[aria-labelledby=applications-heading] button[type=submit]").click()
    page.wait_for_url("**status=pending*")
    rows = page.locator("#applications tbody tr")
    expect(rows).to_have_count(placed)
    problems["nominations"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("language", ["ru", "zh-hans"])
def test_a_coordinator_goes_from_the_home_inbox_to_the_recognition_dossier_and_reads_the_ai_proposals(page, live_server, demo_world, axe_check, language):
    from ortaq.recognition.models import Dossier

    problems = {}
    sign_in(page, live_server, "coordinator", language)
    dossier = Dossier.objects.get(student__username="student.returned")

    # Home → the inbox's "recognition dossiers to decide" → the dossier, with the proposed home modules.
    page.locator(f"#inbox a[href='/{language}/recognition/{dossier.pk}/']").click()
    page.wait_for_url(f"**/{language}/recognition/{dossier.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    proposals = page.locator("main section ol li, main ol li").filter(has=page.locator("strong"))
    expect(proposals.first).to_be_visible()
    assert not RAW.search(page.locator("main").inner_text())
    expect(page.locator("select[id^=decision-]").first).to_be_visible()
    problems["dossier"] = axe_check(page)
    assert {k: v for k, v in problems.items() if v} == {}
