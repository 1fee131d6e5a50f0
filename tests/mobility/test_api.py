"""The mobility REST API: each operation does what the web page does, for the same people only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from ortaq.accounts.services import api_token_create
from ortaq.mobility import during, selectors, services
from ortaq.mobility.models import Application, ChangeProposal, LogbookEntry, Nomination, PlacementRound
from tests.mobility.api_scene import build_journey
from tests.mobility.conftest import application_input
from tests.mobility.test_during_mobility import outcome  # noqa: F401 (fixture)


def api(user, method: str, url: str, body=None):
    _token, secret = api_token_create(actor=user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    call = getattr(Client(), method)
    if body is None:
        return call(f"/api/v1/mobility{url}", **headers)
    return call(f"/api/v1/mobility{url}", data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def journey(world, open_call, enterprise, outcome):
    return build_journey(world, open_call, enterprise, outcome)


def test_a_student_saves_submits_and_withdraws_her_application_through_the_api(world, open_call):
    student = world["student_a"]
    option = open_call.options.get(offer__isnull=False)
    body = {"year_of_study": 2, "grade": 85.5, "motivation": "PLC", "option_ids": [option.pk]}
    assert api(student, "get", f"/calls/{open_call.pk}/application").status_code == 404
    draft = api(student, "put", f"/calls/{open_call.pk}/application", body)
    assert draft.status_code == 200, draft.content
    assert draft.json()["state"] == "draft" and draft.json()["choices"] == [{"rank": 1, "option_id": option.pk}]
    submitted = api(student, "put", f"/calls/{open_call.pk}/application", {**body, "submit": True}).json()
    assert submitted["state"] == "submitted" and submitted["receipt"]
    assert Application.objects.filter(call=open_call, applicant=student).count() == 1  # the same one, saved again
    assert api(student, "post", f"/calls/{open_call.pk}/application/withdraw").json()["state"] == "withdrawn"
    refused = api(student, "post", f"/calls/{open_call.pk}/application/withdraw")
    assert (refused.status_code, refused.json()["code"]) == (400, "state")


def test_a_student_of_another_institution_cannot_apply_and_nothing_is_written(world, open_call):
    option = open_call.options.get(offer__isnull=False)
    response = api(world["student_b"], "put", f"/calls/{open_call.pk}/application", {"year_of_study": 2, "grade": 80, "option_ids": [option.pk]})
    assert response.status_code in (403, 404)
    assert not Application.objects.filter(applicant=world["student_b"]).exists()


def test_bad_application_input_is_refused_with_a_code(world, open_call):
    url = f"/calls/{open_call.pk}/application"
    assert api(world["student_a"], "put", url, {"year_of_study": 9, "grade": 80}).json()["code"] == "validation"
    assert api(world["student_a"], "put", url, {"year_of_study": 2, "grade": 80, "option_ids": [10**9]}).json()["code"] == "validation"
    assert api(world["student_a"], "put", url, {"year_of_study": 2, "grade": 80, "submit": True}).json()["code"] == "validation"  # no option
    assert api(world["student_a"], "put", url, {"year_of_study": "2", "grade": 80}).status_code == 422
    assert not Application.objects.exists()


def test_the_coordinator_lists_filters_and_scores_a_calls_applications(world, journey):
    call, coordinator = journey["call"], world["coordinator_a"]
    listed = api(coordinator, "get", f"/calls/{call.pk}/applications?status=placed&page_size=1")
    assert listed.status_code == 200 and listed.json()["count"] == 2 and len(listed.json()["items"]) == 1
    named = api(coordinator, "get", f"/calls/{call.pk}/applications?name={journey['learner'].full_name}").json()
    assert [a["applicant_id"] for a in named["items"]] == [journey["learner"].pk]
    application = journey["learner"].applications.get()
    scored = api(coordinator, "post", f"/calls/{call.pk}/applications/{application.pk}/score", {"motivation_score": 70, "interview_score": None})
    assert (scored.status_code, scored.json()["code"]) == (400, "state")  # scores are frozen once results are published


def test_scores_are_saved_while_the_call_is_open_and_refused_to_other_institutions(world, open_call):
    option = open_call.options.get(offer__isnull=False)
    application = services.application_save(actor=world["student_a"], call=open_call, application=application_input(year_of_study=2, grade="90"),
                                             option_ids=[option.pk], submit=True)
    url = f"/calls/{open_call.pk}/applications/{application.pk}/score"
    assert api(world["coordinator_b"], "post", url, {"motivation_score": 10}).status_code == 404
    assert api(world["coordinator_a"], "post", url, {"motivation_score": 101}).status_code == 422
    application.refresh_from_db()
    assert application.motivation_score is None
    assert api(world["coordinator_a"], "post", url, {"motivation_score": 70}).json()["motivation_score"] == 70
    assert api(world["coordinator_b"], "get", f"/calls/{open_call.pk}/applications").status_code == 404


def test_the_coordinator_requests_reads_and_publishes_a_round(world, journey):
    coordinator, dry_run = world["coordinator_a"], journey["dry_run"]
    assert api(coordinator, "get", f"/rounds/{dry_run.pk}").json()["state"] == "dry_run"
    outcomes = api(coordinator, "get", f"/rounds/{journey['published'].pk}/outcomes?placed=yes").json()
    assert outcomes["count"] == 2 and all(o["option_id"] for o in outcomes["items"])
    assert api(world["coordinator_b"], "post", f"/rounds/{dry_run.pk}/publish").status_code == 404
    assert PlacementRound.objects.get(pk=dry_run.pk).state == "dry_run"
    assert api(coordinator, "post", f"/rounds/{dry_run.pk}/publish").json()["state"] == "published"
    requested = api(coordinator, "post", f"/calls/{journey['call'].pk}/rounds")
    assert requested.status_code == 201 and requested.json()["number"] == 3
    busy = api(coordinator, "post", f"/calls/{journey['call'].pk}/rounds")
    assert (busy.status_code, busy.json()["code"]) == (400, "busy")
    assert api(world["coordinator_b"], "post", f"/calls/{journey['call'].pk}/rounds").status_code in (403, 404)


def test_the_host_lists_and_decides_its_nominations_only(world, journey):
    pending = journey["pending"]
    listed = api(world["coordinator_c"], "get", "/nominations/?state=pending").json()
    assert [n["id"] for n in listed["items"]] == [pending.pk]
    assert api(world["coordinator_b"], "get", "/nominations/").json()["count"] == 0
    assert api(world["coordinator_b"], "post", f"/nominations/{pending.pk}/decide", {"decision": "accept"}).status_code == 404
    no_reason = api(world["coordinator_c"], "post", f"/nominations/{pending.pk}/decide", {"decision": "decline"})
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "validation")
    assert Nomination.objects.get(pk=pending.pk).state == "pending"
    assert api(world["coordinator_c"], "post", f"/nominations/{pending.pk}/decide", {"decision": "accept"}).json()["state"] == "accepted"


def test_the_parties_read_the_agreement_propose_a_change_and_sign_the_new_version(world, journey):
    agreement, supervisor = journey["agreement"], journey["supervisor"]
    read = api(journey["learner"], "get", f"/agreements/{agreement.pk}").json()
    assert read["state"] == "signed" and [c["code"] for c in read["components"]] == ["T1"] and len(read["signatures"]) == 3
    assert api(world["coordinator_b"], "get", f"/agreements/{agreement.pk}").status_code == 404
    change = {"components": [{"title": "Commission and test PLC cabinets", "credits": 4, "hours": 120}], "reason_code": "other",
              "expected_version": agreement.version}
    stale = api(journey["learner"], "post", f"/agreements/{agreement.pk}/changes", {**change, "expected_version": agreement.version + 1})
    assert (stale.status_code, stale.json()["code"]) == (409, "version_conflict")
    assert api(world["coordinator_b"], "post", f"/agreements/{agreement.pk}/changes", change).status_code == 404
    assert not ChangeProposal.objects.exists()
    proposed = api(journey["learner"], "post", f"/agreements/{agreement.pk}/changes", change)
    assert proposed.status_code == 201 and proposed.json()["state"] == "pending"
    during.change_decide(actor=supervisor, proposal=ChangeProposal.objects.get(), approve=True)
    again = api(journey["learner"], "post", f"/agreements/{agreement.pk}/sign", {"party": "learner", "expected_version": agreement.version + 1}).json()
    assert again["version"] == agreement.version + 1 and [s["party"] for s in again["signatures"]] == ["learner"]
    refused = api(journey["learner"], "post", f"/agreements/{agreement.pk}/sign", {"party": "receiving"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


def test_the_learner_logs_weeks_and_the_host_verifies_them(world, journey):
    agreement, start = journey["agreement"], journey["start"]
    week = (start + dt.timedelta(days=7)).isoformat()
    assert api(journey["supervisor"], "post", f"/agreements/{agreement.pk}/logbook", {"week_start": week, "hours": 30, "description": "x"}).status_code == 403
    ahead = api(journey["learner"], "post", f"/agreements/{agreement.pk}/logbook",
                {"week_start": (timezone.localdate() + dt.timedelta(days=14)).isoformat(), "hours": 30, "description": "x"})
    assert (ahead.status_code, ahead.json()["code"]) == (422, "validation")
    bad_date = api(journey["learner"], "post", f"/agreements/{agreement.pk}/logbook", {"week_start": "2026-02-30", "hours": 30, "description": "x"})
    assert bad_date.json()["code"] == "validation"
    added = api(journey["learner"], "post", f"/agreements/{agreement.pk}/logbook", {"week_start": week, "hours": 32.5, "description": "Tests"})
    assert added.status_code == 201 and added.json()["hours"] == "32.5"
    weeks = api(world["coordinator_a"], "get", f"/agreements/{agreement.pk}/logbook").json()
    assert [w["week_start"] for w in weeks["items"]] == [start.isoformat(), week]
    entry = journey["entry"]
    assert api(journey["learner"], "post", f"/agreements/{agreement.pk}/logbook/{entry.pk}/verify", {"decision": "verify", "verified_hours": 30}).status_code == 403
    assert api(world["coordinator_b"], "post", f"/agreements/{agreement.pk}/logbook/{entry.pk}/verify", {"decision": "verify", "verified_hours": 30}).status_code == 404
    assert LogbookEntry.objects.get(pk=entry.pk).state == "submitted"
    verified = api(journey["supervisor"], "post", f"/agreements/{agreement.pk}/logbook/{entry.pk}/verify", {"decision": "verify", "verified_hours": 28})
    assert verified.json()["state"] == "verified" and verified.json()["verified_hours"] == "28.0"


def test_calls_are_listed_and_read_as_on_the_pages(world, open_call):
    assert [c["id"] for c in api(world["student_a"], "get", "/calls/?state=open").json()["items"]] == [open_call.pk]
    assert api(world["student_a"], "get", f"/calls/{open_call.pk}").json()["title"] == open_call.title
    assert selectors.call_get(actor=world["student_b"], pk=open_call.pk) is None
    assert api(world["student_b"], "get", f"/calls/{open_call.pk}").status_code == 404
