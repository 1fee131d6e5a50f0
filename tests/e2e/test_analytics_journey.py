"""A ministry analyst opens the analytics, filters by academic year and region, shares the view and exports."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _mobilities(sending_schac: str, receiving_schac: str, prefix: str, applied: int, departed: int) -> None:
    """Applications, placements and signed agreements between two demo institutions, straight into the models."""
    from ortaq.accounts.models import Membership, User
    from ortaq.agreements.models import Agreement, AgreementParty, CooperationCondition
    from ortaq.institutions.models import Institution
    from ortaq.mobility.models import Application, Call, CallOption, Choice, MobilityAgreement, Nomination, PlacementOutcome, PlacementRound

    sending, receiving = Institution.objects.get(schac=sending_schac), Institution.objects.get(schac=receiving_schac)
    agreement = Agreement.objects.create(kind="inter_institutional", title=f"{prefix} internships", start_year=2026, end_year=2027, state="in_effect", initiator=sending)
    AgreementParty.objects.bulk_create([AgreementParty(agreement=agreement, institution=sending), AgreementParty(agreement=agreement, institution=receiving)])
    condition = CooperationCondition.objects.create(agreement=agreement, mobility_type="student_internship", sending=sending, receiving=receiving, isced_code="0714",
                                                    eqf_level="5", places_per_year=10, duration=3, start_year=2026, end_year=2027)
    call = Call.objects.create(owner=sending, title=f"{prefix} call", mobility_type="student_internship", academic_year=2026, deadline=timezone.now(), lottery_seed=1, state="published")
    option = CallOption.objects.create(call=call, condition=condition, host=receiving, places=8)
    placement_round = PlacementRound.objects.create(call=call, number=1, state="published")
    for i in range(applied):
        person = User.objects.create_user(f"{prefix}-learner-{i}", password="x", full_name=f"Learner {prefix} {i}")
        Membership.objects.create(user=person, institution=sending, role="student")
        application = Application.objects.create(call=call, applicant=person, state="submitted")
        Choice.objects.create(application=application, option=option, rank=1)
        if i < departed:
            outcome = PlacementOutcome.objects.create(round=placement_round, application=application, option=option)
            nomination = Nomination.objects.create(outcome=outcome, application=application, option=option, host=receiving, state="accepted")
            MobilityAgreement.objects.create(nomination=nomination, kind="training", start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 5, 31), state="signed")


def test_an_analyst_filters_by_year_and_region_and_exports_the_funnel(page, live_server, demo_world, axe_check):
    from ortaq.analytics.services import aggregates_refresh
    from ortaq.mobility.models import Application, MobilityAgreement

    # The demo has applicants of its own (analytics shows them, five or more); the journey's figures add to them.
    almaty = {"call__academic_year": 2026, "call__owner__schac": "almaty-poly.demo.ortaq.kz"}
    demo_all = Application.objects.filter(state="submitted").count()
    demo_almaty = Application.objects.filter(state="submitted", **almaty).count()
    demo_departed = MobilityAgreement.objects.filter(state="signed", **{f"nomination__application__{k}": v for k, v in almaty.items()}).count()
    _mobilities("almaty-poly.demo.ortaq.kz", "haihe-smart.demo.ortaq.cn", "alm", applied=9, departed=6)
    _mobilities("shymkent-iic.demo.ortaq.kz", "tianshan-transport.demo.ortaq.cn", "shy", applied=3, departed=1)
    aggregates_refresh()

    sign_in(page, live_server, "analyst")
    page.goto(f"{live_server.url}/en/analytics/")
    expect(page.locator("h1")).to_contain_text("all institutions")
    expect(page.locator(".freshness")).to_contain_text("Figures as of")
    expect(page.locator("#t-funnel tbody tr").first).to_contain_text(str(12 + demo_all))
    expect(page.locator("[data-chart-for=t-funnel] canvas")).to_have_count(1)  # drawn from the table by the vendored Chart.js

    page.select_option("#f-year", "2026")
    page.select_option("#f-region", "Almaty")
    page.click("text=Apply filters")
    page.wait_for_url("**/en/analytics/?*year=2026*region=Almaty*")
    expect(page.locator("#t-funnel tbody tr").first).to_contain_text(str(9 + demo_almaty))
    expect(page.locator("#t-flows_country")).to_contain_text("China")
    # Shymkent's 3 are filtered out; no learner is named anywhere.
    expect(page.locator("main")).not_to_contain_text("Learner")

    # The URL holds the filters: opening it again gives the same view.
    shared = page.url
    page.goto(shared)
    expect(page.locator("#f-region")).to_have_value("Almaty")

    with page.expect_download() as download:
        page.locator("section[aria-labelledby=h-funnel] a", has_text="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert f"Applied,{9 + demo_almaty}" in content and f"Departed,{6 + demo_departed}" in content

    assert axe_check(page) == []
