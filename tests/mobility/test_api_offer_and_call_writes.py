"""Offers and calls written through the REST API: created and changed by the people the web lets, with the web's rules,
and edits from a stale version refused with the current one."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

from ortaq.audit.models import AuditEvent
from ortaq.mobility.models import Call, InternshipOffer
from tests.mobility.test_api import api

OFFER = {"title": "Welding intern", "tasks": "Weld frames", "city": "Urumqi", "start_date": "2027-03-01", "end_date": "2027-05-31",
         "places": 2, "isced_code": "0715"}


def call_body(owner_id: int, **overrides) -> dict:
    deadline = (timezone.now() + dt.timedelta(days=20)).replace(microsecond=0).isoformat()
    return {"owner_id": owner_id, "title": "Study 2027", "mobility_type": "student_internship", "academic_year": 2027, "deadline": deadline,
            **overrides}


def test_a_company_supervisor_posts_an_offer_and_edits_it_from_the_version_she_read(world, enterprise):
    company, supervisor = enterprise
    created = api(supervisor, "post", "/offers/", {**OFFER, "host_id": company.pk})
    assert created.status_code == 201, created.content
    offer = created.json()
    assert (offer["host_id"], offer["state"], offer["places"]) == (company.pk, "draft", 2)
    edited = api(supervisor, "patch", f"/offers/{offer['id']}", {"places": 4, "expected_version": offer["version"]})
    assert edited.status_code == 200, edited.content
    assert edited.json()["places"] == 4 and edited.json()["title"] == "Welding intern"  # what was not sent stays
    assert edited.json()["version"] != offer["version"]
    assert AuditEvent.objects.filter(action="update", object_id=str(offer["id"])).exists()


def test_an_edit_from_a_stale_version_is_refused_with_409_and_the_current_version(world, enterprise):
    company, supervisor = enterprise
    offer = api(supervisor, "post", "/offers/", {**OFFER, "host_id": company.pk}).json()
    current = api(supervisor, "patch", f"/offers/{offer['id']}", {"city": "Kashgar"}).json()["version"]
    stale = api(supervisor, "patch", f"/offers/{offer['id']}", {"places": 9, "expected_version": offer["version"]})
    assert stale.status_code == 409
    assert (stale.json()["code"], stale.json()["current_version"]) == ("version_conflict", current)
    assert InternshipOffer.objects.get(pk=offer["id"]).places == 2


def test_publishing_checks_the_version_given_in_the_query(world, enterprise):
    company, supervisor = enterprise
    offer = api(supervisor, "post", "/offers/", {**OFFER, "host_id": company.pk}).json()
    assert api(supervisor, "post", f"/offers/{offer['id']}/publish?expected_version={'0' * 16}").status_code == 409
    published = api(supervisor, "post", f"/offers/{offer['id']}/publish?expected_version={offer['version']}")
    assert published.status_code == 200 and published.json()["state"] == "published"


def test_an_offer_a_call_uses_can_no_longer_be_changed(world, open_call, published_offer, enterprise):
    refused = api(enterprise[1], "patch", f"/offers/{published_offer.pk}", {"places": 1})
    assert (refused.status_code, refused.json()["code"]) == (400, "locked")


def test_the_web_rules_apply_to_offers_sent_through_the_api(world, enterprise):
    company, supervisor = enterprise
    response = api(supervisor, "post", "/offers/", {**OFFER, "host_id": company.pk, "end_date": "2027-01-01", "isced_code": "07"})
    assert response.status_code == 422
    assert {"isced_code"} <= set(response.json()["errors"])
    assert not InternshipOffer.objects.filter(host=company).exists()


def test_nobody_else_posts_or_changes_a_hosts_offers(world, enterprise, published_offer):
    company, _supervisor = enterprise
    assert api(world["coordinator_b"], "post", "/offers/", {**OFFER, "host_id": company.pk}).status_code == 403
    assert api(world["coordinator_b"], "patch", f"/offers/{published_offer.pk}", {"places": 1}).status_code == 403  # published: visible
    assert Client().post("/api/v1/mobility/offers/", json.dumps({**OFFER, "host_id": company.pk}), content_type="application/json").status_code == 401
    assert InternshipOffer.objects.filter(host=company).count() == 1


def test_a_coordinator_drafts_a_call_and_changes_it_while_it_is_a_draft(world):
    coordinator = world["coordinator_a"]
    created = api(coordinator, "post", "/calls/", call_body(world.a.pk))
    assert created.status_code == 201, created.content
    call = created.json()
    assert (call["owner_id"], call["state"], call["max_choices"]) == (world.a.pk, "draft", 3)
    seed = Call.objects.get(pk=call["id"]).lottery_seed  # drawn by the service
    edited = api(coordinator, "patch", f"/calls/{call['id']}", {"title": "Study 2027/28", "max_choices": 2, "expected_version": call["version"]})
    assert edited.status_code == 200, edited.content
    assert (edited.json()["title"], edited.json()["max_choices"]) == ("Study 2027/28", 2)
    row = Call.objects.get(pk=call["id"])
    assert (row.lottery_seed, row.weight_grade, row.academic_year) == (seed, 50, 2027)  # what was not sent stays


def test_an_open_call_is_not_changed_and_its_transitions_check_the_version(world, open_call):
    coordinator = world["coordinator_a"]
    version = api(coordinator, "get", f"/calls/{open_call.pk}").json()["version"]
    refused = api(coordinator, "patch", f"/calls/{open_call.pk}", {"title": "Changed"})
    assert (refused.status_code, refused.json()["code"]) == (400, "state")
    stale = api(coordinator, "post", f"/calls/{open_call.pk}/close?expected_version={'f' * 16}")
    assert (stale.status_code, stale.json()["current_version"]) == (409, version)
    assert api(coordinator, "post", f"/calls/{open_call.pk}/close?expected_version={version}").json()["state"] == "closed"


def test_only_the_owners_coordinators_write_its_calls(world, open_call):
    assert api(world["coordinator_b"], "post", "/calls/", call_body(world.a.pk)).status_code == 403
    assert api(world["student_a"], "post", "/calls/", call_body(world.a.pk)).status_code == 403
    assert api(world["coordinator_b"], "patch", f"/calls/{open_call.pk}", {"title": "Mine"}).status_code in (403, 404)
    assert Client().patch(f"/api/v1/mobility/calls/{open_call.pk}", json.dumps({"title": "x"}), content_type="application/json").status_code == 401
    assert Call.objects.filter(owner=world.a).count() == 1


def test_a_call_with_bad_terms_is_refused_field_by_field(world):
    response = api(world["coordinator_a"], "post", "/calls/", call_body(world.a.pk, mobility_type="tourism", weight_grade=0, weight_language=0,
                                                                      weight_motivation=0, weight_interview=0, programme_ids=[10**9]))
    assert response.status_code == 422
    assert not Call.objects.exists()
