"""The steps of the mobility year that only web pages offered are in the REST API too: a coordinator offers places in
a call from a condition or an offer, the learner reads her placement and accepts it, and she drafts her agreement and
replaces its components before anyone signs; each through the web's services, and nobody else's records."""

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.mobility import round_services, services
from ortaq.mobility.models import CallOption, MobilityAgreement, Nomination
from tests.mobility.conftest import application_input, call_input, close, students
from tests.mobility.test_api import api
from tests.mobility.test_during_mobility import outcome  # noqa: F401 (a learning outcome of the learners' programme)

pytestmark = pytest.mark.django_db


def test_a_coordinator_offers_places_from_a_condition_and_from_an_offer(world, agreement_ac_in_effect, published_offer):
    call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input())
    condition = agreement_ac_in_effect.conditions.get()
    answer = api(world["coordinator_a"], "post", f"/calls/{call.pk}/options", {"condition_id": condition.pk, "places": 2})
    assert answer.status_code == 201, answer.json()
    assert answer.json() | {"id": 0} == {"id": 0, "call_id": call.pk, "host_id": world.c.pk, "condition_id": condition.pk, "offer_id": None,
                                        "places": 2, "reserved_inclusion": 0}
    offered = api(world["coordinator_a"], "post", f"/calls/{call.pk}/options", {"offer_id": published_offer.pk, "places": 1, "reserved_inclusion": 1})
    assert offered.status_code == 201 and offered.json()["host_id"] == published_offer.host_id
    assert CallOption.objects.filter(call=call).count() == 2
    for wrong, status in (({"places": 1}, 422), ({"condition_id": condition.pk, "offer_id": published_offer.pk, "places": 1}, 422),
                          ({"condition_id": condition.pk, "places": 0}, 422), ({"offer_id": 999999, "places": 1}, 404)):
        assert api(world["coordinator_a"], "post", f"/calls/{call.pk}/options", wrong).status_code == status, wrong
    # A coordinator of another college adds no places to this call (it is not hers: 404, or 403 where she may read it).
    refused = api(world["coordinator_b"], "post", f"/calls/{call.pk}/options", {"condition_id": condition.pk, "places": 1})
    assert refused.status_code in (403, 404)
    assert CallOption.objects.filter(call=call).count() == 2


@pytest.fixture
def published(world, open_call, enterprise):
    """One learner placed at the enterprise (the host accepts), the round published."""
    company, supervisor = enterprise
    [learner] = students(world, 1, start=70)
    offer_option = open_call.options.get(offer__isnull=False)
    services.application_save(actor=learner, call=open_call, application=application_input(year_of_study=2, grade="90"), option_ids=[offer_option.pk], submit=True)
    close(open_call)
    placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    round_services.round_execute(round_id=placement_round.pk)
    placement_round.refresh_from_db()
    round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    nomination = Nomination.objects.get(application__applicant=learner)
    round_services.nomination_decide(actor=supervisor, nomination=nomination, accept=True)
    return {"learner": learner, "nomination": nomination, "supervisor": supervisor}


def test_the_learner_reads_and_accepts_her_placement_and_nobody_else_answers_it(world, published):
    learner, nomination = published["learner"], published["nomination"]
    listed = api(learner, "get", "/placements/").json()
    assert [row["id"] for row in listed["items"]] == [nomination.pk]
    assert listed["items"][0]["answer"] == "pending" and listed["items"][0]["state"] == "accepted" and listed["items"][0]["mobility_agreement_id"] is None
    assert api(world["student_a"], "get", "/placements/").json()["items"] == []
    assert api(world["student_a"], "post", f"/placements/{nomination.pk}/answer", {"answer": "accept"}).status_code == 404
    assert api(learner, "post", f"/placements/{nomination.pk}/answer", {"answer": "maybe"}).status_code == 422
    accepted = api(learner, "post", f"/placements/{nomination.pk}/answer", {"answer": "accept"})
    assert accepted.status_code == 200 and accepted.json()["answer"] == "accepted"
    again = api(learner, "post", f"/placements/{nomination.pk}/answer", {"answer": "decline"})
    assert again.status_code in (400, 409) and "code" in again.json()


def test_the_learner_drafts_her_agreement_and_replaces_its_components_until_someone_signs(world, published, outcome):
    learner, nomination = published["learner"], published["nomination"]
    body = {"nomination_id": nomination.pk, "start_date": "2027-03-01", "end_date": "2027-05-31", "weekly_hours": 30,
            "components": [{"code": "M1", "title": "Cabinet wiring", "credits": 4, "hours": 120, "outcome_ids": [outcome.pk]}]}
    assert api(world["student_a"], "post", "/agreements/", body).status_code == 404  # not her placement
    assert api(learner, "post", "/agreements/", body | {"end_date": "2027-02-01"}).status_code == 422
    created = api(learner, "post", "/agreements/", body)
    assert created.status_code == 201, created.json()
    agreement = created.json()
    assert (agreement["nomination_id"], agreement["version"], agreement["state"]) == (nomination.pk, 1, "draft")
    assert [(c["code"], c["outcome_ids"]) for c in agreement["components"]] == [("M1", [outcome.pk])]
    assert AuditEvent.objects.filter(action="create", object_type="mobility.mobilityagreement", actor=learner).exists()

    url = f"/agreements/{agreement['id']}/components"
    stale = api(learner, "put", url, {"components": [{"title": "Cabinet wiring and testing", "credits": 5}], "expected_version": 9})
    assert stale.status_code == 409
    replaced = api(learner, "put", url, {"components": [{"code": "M1", "title": "Cabinet wiring and testing", "credits": 5, "hours": 150}],
                                         "expected_version": 1})
    assert replaced.status_code == 200 and replaced.json()["version"] == 2 and replaced.json()["components"][0]["title"] == "Cabinet wiring and testing"
    assert api(world["coordinator_b"], "put", url, {"components": [{"title": "x"}]}).status_code == 404
    signed = api(learner, "post", f"/agreements/{agreement['id']}/sign", {"party": "learner", "expected_version": 2})
    assert signed.status_code == 200
    after = api(learner, "put", url, {"components": [{"title": "Another"}], "expected_version": 2})
    assert after.status_code in (400, 409) and after.json()["code"] in ("signed", "state")
    assert MobilityAgreement.objects.get(pk=agreement["id"]).components.get().title == "Cabinet wiring and testing"
    assert api(learner, "get", "/placements/").json()["items"][0]["mobility_agreement_id"] == agreement["id"]
