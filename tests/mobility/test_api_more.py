"""More of the mobility REST API: opening and closing calls, and deciding on proposed changes."""

from __future__ import annotations

import pytest

from ortaq.mobility import during
from ortaq.mobility.models import Call, ChangeProposal
from tests.mobility.api_scene import build_journey
from tests.mobility.test_api import api
from tests.mobility.test_during_mobility import outcome  # noqa: F401 (fixture)


@pytest.fixture
def journey(world, open_call, enterprise, outcome):
    return build_journey(world, open_call, enterprise, outcome)


def test_the_calls_coordinator_closes_an_open_call_and_others_cannot(world, open_call):
    assert api(world["coordinator_b"], "post", f"/calls/{open_call.pk}/close").status_code == 404
    assert api(world["student_a"], "post", f"/calls/{open_call.pk}/close").status_code == 403
    assert Call.objects.get(pk=open_call.pk).state == "open"
    assert api(world["coordinator_a"], "post", f"/calls/{open_call.pk}/close").json()["state"] == "closed"
    again = api(world["coordinator_a"], "post", f"/calls/{open_call.pk}/open")
    assert (again.status_code, again.json()["code"]) == (400, "state")  # only a draft is opened


def test_the_other_party_decides_a_proposed_change_and_outsiders_cannot(world, journey):
    agreement, learner = journey["agreement"], journey["learner"]
    proposal = during.change_propose(actor=learner, agreement=agreement, components=[{"title": "Test cabinets", "credits": "4", "hours": 120}],
                                     reason_code="other", comment="", expected_version=agreement.version)
    url = f"/agreements/{agreement.pk}/changes/{proposal.pk}/decide"
    assert api(world["coordinator_b"], "post", url, {"decision": "approve"}).status_code == 404
    assert api(learner, "post", url, {"decision": "approve"}).status_code == 403
    no_reason = api(world["coordinator_a"], "post", url, {"decision": "reject"})
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "validation")
    assert ChangeProposal.objects.get(pk=proposal.pk).state == "pending"
    approved = api(world["coordinator_a"], "post", url, {"decision": "approve"})
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    agreement.refresh_from_db()
    assert agreement.version == proposal.base_version + 1 and [c.title for c in agreement.components.all()] == ["Test cabinets"]
    decided = api(world["coordinator_a"], "post", url, {"decision": "reject", "response": "No"})
    assert (decided.status_code, decided.json()["code"]) == (400, "state")


def test_the_host_evaluates_outcomes_and_records_results_and_no_one_else_can(world, journey):
    from ortaq.mobility.models import OutcomeEvaluation, TranscriptEntry

    agreement, supervisor = journey["agreement"], journey["supervisor"]
    outcome_id = agreement.components.get().outcomes.get().pk
    url = f"/agreements/{agreement.pk}/evaluations"
    assert api(world["coordinator_b"], "post", url, {"outcome_id": outcome_id, "rating": "achieved"}).status_code == 404
    assert api(journey["learner"], "post", url, {"outcome_id": outcome_id, "rating": "achieved"}).status_code == 403
    unserved = api(supervisor, "post", url, {"outcome_id": 10**9, "rating": "achieved"})
    assert (unserved.status_code, unserved.json()["code"]) == (422, "validation")
    assert not OutcomeEvaluation.objects.exists()
    assert api(supervisor, "post", url, {"outcome_id": outcome_id, "rating": "partially", "comment": "Needs practice"}).json()["rating"] == "partially"
    component = agreement.components.get()
    url = f"/agreements/{agreement.pk}/transcript"
    assert api(journey["learner"], "post", url, {"component_id": component.pk, "host_grade": "90", "host_scale": "percent"}).status_code == 403
    bad = api(supervisor, "post", url, {"component_id": component.pk, "host_grade": "Z", "host_scale": "percent"})
    assert (bad.status_code, bad.json()["code"]) == (422, "validation")
    assert not TranscriptEntry.objects.exists()
    recorded = api(supervisor, "post", url, {"component_id": component.pk, "host_grade": "90", "host_scale": "percent"})
    assert recorded.status_code == 200 and recorded.json()["home_grade"]


def test_offers_are_listed_and_read_as_on_the_pages(world, open_call):
    offer = open_call.options.get(offer__isnull=False).offer
    listed = api(world["student_b"], "get", f"/offers/?host={offer.host_id}&state=published&q={offer.title[:4]}").json()
    assert [o["id"] for o in listed["items"]] == [offer.pk]
    assert api(world["student_b"], "get", f"/offers/{offer.pk}").json()["title"] == offer.title
    offer.state = "draft"
    offer.save(update_fields=["state"])
    assert api(world["student_b"], "get", f"/offers/{offer.pk}").status_code == 404  # a draft is its host's only
    assert api(world["student_b"], "get", "/offers/").json()["count"] == 0
