"""The recognition REST API: dossiers, decisions, appeals and conversion rules, for the pages' people only."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ortaq.accounts.services import api_token_create
from ortaq.recognition.models import Appeal, ConversionRule, Dossier, Item
from tests.recognition.api_scene import recognition_scene


def api(user, method: str, url: str, body=None):
    _token, secret = api_token_create(actor=user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    call = getattr(Client(), method)
    if body is None:
        return call(f"/api/v1/recognition{url}", **headers)
    return call(f"/api/v1/recognition{url}", data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def scene(world):
    return recognition_scene(world)


def test_the_home_coordinator_and_the_student_read_the_dossiers_others_do_not(world, scene):
    dossier = scene["open"]
    assert {d["id"] for d in api(world["coordinator_a"], "get", "/dossiers/").json()["items"]} == {dossier.pk, scene["appealed"].pk}
    assert [d["id"] for d in api(world["coordinator_a"], "get", "/dossiers/?state=appealed").json()["items"]] == [scene["appealed"].pk]
    assert [d["id"] for d in api(scene["learner"], "get", "/dossiers/").json()["items"]] == [dossier.pk]
    assert api(world["coordinator_b"], "get", "/dossiers/").json()["count"] == 0
    detail = api(scene["learner"], "get", f"/dossiers/{dossier.pk}").json()
    assert [i["decision"] for i in detail["items"]] == ["full"] and detail["items"][0]["proposed_module_ids"]
    assert api(world["coordinator_b"], "get", f"/dossiers/{dossier.pk}").status_code == 404


def test_opening_a_dossier_twice_answers_the_same_one_and_others_cannot_open_it(world, scene):
    agreement = scene["mobility"]["agreement"]
    again = api(world["coordinator_a"], "post", "/dossiers/", {"mobility_agreement_id": agreement.pk})
    assert (again.status_code, again.json()["id"]) == (200, scene["open"].pk)
    assert api(world["coordinator_b"], "post", "/dossiers/", {"mobility_agreement_id": agreement.pk}).status_code == 404
    assert api(scene["learner"], "post", "/dossiers/", {"mobility_agreement_id": agreement.pk}).status_code == 403
    assert api(world["coordinator_a"], "post", "/dossiers/", {"mobility_agreement_id": "1"}).status_code == 422
    assert Dossier.objects.count() == 2


def test_the_coordinator_decides_an_item_and_signs_the_decision(world, scene):
    dossier, item = scene["open"], scene["item"]
    url = f"/dossiers/{dossier.pk}/items/{item.pk}/decide"
    partial_without_reasons = api(world["coordinator_a"], "post", url, {"decision": "partial", "home_module_id": scene["module"].pk})
    assert (partial_without_reasons.status_code, partial_without_reasons.json()["code"]) == (422, "validation")
    assert api(scene["learner"], "post", url, {"decision": "refused", "substantial_difference": "x"}).status_code == 403
    assert api(world["coordinator_b"], "post", url, {"decision": "refused", "substantial_difference": "x"}).status_code == 404
    assert Item.objects.get(pk=item.pk).decision == "full"
    decided = api(world["coordinator_a"], "post", url, {"decision": "partial", "home_module_id": scene["module"].pk,
                                                       "substantial_difference": "Fewer hours", "compensating_measure": "A test"})
    assert decided.json()["items"][0]["decision"] == "partial"
    assert api(world["registrar_a"], "post", f"/dossiers/{dossier.pk}/sign").status_code == 403
    signed = api(world["coordinator_a"], "post", f"/dossiers/{dossier.pk}/sign").json()
    assert signed["state"] == "decided" and len(signed["decision_sha256"]) == 64
    again = api(world["coordinator_a"], "post", f"/dossiers/{dossier.pk}/sign")
    assert (again.status_code, again.json()["code"]) == (400, "signed")


def test_the_student_appeals_and_a_second_reviewer_decides(world, scene):
    dossier = scene["open"]
    early = api(scene["learner"], "post", f"/dossiers/{dossier.pk}/appeals", {"reason": "Too early"})
    assert (early.status_code, early.json()["code"]) == (400, "state")
    api(world["coordinator_a"], "post", f"/dossiers/{dossier.pk}/sign")
    assert api(world["coordinator_a"], "post", f"/dossiers/{dossier.pk}/appeals", {"reason": "Not mine"}).status_code == 403
    filed = api(scene["learner"], "post", f"/dossiers/{dossier.pk}/appeals", {"reason": "The module was done in full"})
    assert filed.status_code == 201 and filed.json()["state"] == "pending"
    appeal = scene["appeal"]
    url = f"/dossiers/{scene['appealed'].pk}/appeals/{appeal.pk}/decide"
    assert api(world["coordinator_a"], "post", url, {"outcome": "uphold", "response": "Mine"}).status_code == 403  # who signed
    assert api(world["registrar_b"], "post", url, {"outcome": "uphold", "response": "x"}).status_code == 404
    assert api(world["registrar_a"], "post", url, {"outcome": "uphold", "response": ""}).json()["code"] == "validation"
    assert Appeal.objects.get(pk=appeal.pk).state == "pending"
    assert api(world["registrar_a"], "post", url, {"outcome": "change", "response": "Reopened"}).json()["state"] == "changed"
    assert Dossier.objects.get(pk=scene["appealed"].pk).state == "open"


def test_only_administrators_read_and_save_the_conversion_rules(world, scene):
    body = {"hours_per_kz_credit": 30, "hours_per_cn_credit": 20, "hours_per_ects": 27}
    assert api(world["coordinator_a"], "get", "/rules").status_code == 404
    assert api(world["coordinator_a"], "post", "/rules", body).status_code == 404
    version = api(world["admin"], "get", "/rules").json()[0]["version"]
    stale = api(world["admin"], "post", "/rules", {**body, "expected_version": version + 5})
    assert (stale.status_code, stale.json()["code"]) == (409, "version_conflict")
    assert api(world["admin"], "post", "/rules", {**body, "hours_per_ects": 0}).json()["code"] == "validation"
    saved = api(world["admin"], "post", "/rules", {**body, "expected_version": version}).json()
    assert saved["hours_per_cn_credit"] == 20 and saved["version"] == version + 1
    assert ConversionRule.objects.get(agreement=None).hours_per_cn_credit == 20
