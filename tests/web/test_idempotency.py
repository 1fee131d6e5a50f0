"""Idempotency-Key on the REST API's creating requests (ortaq.lib.idempotency): a retried POST creates nothing twice."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client

from ortaq.accounts.models import IdempotencyKey
from ortaq.accounts.services import api_token_create
from ortaq.institutions.models import Institution

URL = "/api/v1/institutions/"
COLLEGE = {"kind": "college", "name_original": "Колледж Д", "name_latin": "College D", "country": "KZ", "city": "Almaty"}
# The W3C VC-API keeps the interface its specification and test suite define (credentials/api.py).
NOT_OURS = ("/api/v1/vc/",)


def post(user, body: dict, key: str | None = None, url: str = URL):
    _token, secret = api_token_create(actor=user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(url, json.dumps(body), content_type="application/json", **headers)


def test_every_creating_post_documents_the_idempotency_key_header(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    creating = [path for path, item in paths.items() if "post" in item and "201" in item["post"]["responses"] and not path.startswith(NOT_OURS)]
    assert len(creating) >= 10  # the scan sees the API
    undocumented = [path for path in creating
                    if not any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in paths[path]["post"].get("parameters", []))]
    assert undocumented == []


def test_the_same_key_and_body_repeat_the_first_response_and_create_nothing_more(world):
    first = post(world["coordinator_a"], COLLEGE, key="create-college-d")
    again = post(world["coordinator_a"], {**COLLEGE}, key="create-college-d")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Institution.objects.filter(name_latin="College D").count() == 1


def test_the_same_key_with_another_body_is_refused(world):
    post(world["coordinator_a"], COLLEGE, key="k1")
    reused = post(world["coordinator_a"], {**COLLEGE, "name_latin": "College E"}, key="k1")
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert not Institution.objects.filter(name_latin="College E").exists()


def test_keys_are_each_users_own(world):
    post(world["coordinator_a"], COLLEGE, key="shared")
    assert post(world["coordinator_b"], COLLEGE, key="shared").status_code == 201
    assert Institution.objects.filter(name_latin="College D").count() == 2


def test_a_key_expires_after_a_day(world):
    post(world["coordinator_a"], COLLEGE, key="old")
    IdempotencyKey.objects.filter(key="old").update(created_at=IdempotencyKey.objects.get(key="old").created_at - dt.timedelta(hours=24, seconds=1))
    assert post(world["coordinator_a"], COLLEGE, key="old").status_code == 201
    assert Institution.objects.filter(name_latin="College D").count() == 2


def test_a_refused_request_keeps_nothing_so_a_corrected_retry_with_the_key_runs(world):
    refused = post(world["coordinator_a"], {**COLLEGE, "country": "XX"}, key="retry")
    assert refused.status_code == 422
    assert not IdempotencyKey.objects.filter(key="retry").exists()
    assert post(world["coordinator_a"], COLLEGE, key="retry").status_code == 201


def test_without_the_header_every_request_creates_and_an_overlong_key_is_refused(world):
    assert post(world["coordinator_a"], COLLEGE).status_code == post(world["coordinator_a"], COLLEGE).status_code == 201
    assert Institution.objects.filter(name_latin="College D").count() == 2
    assert post(world["coordinator_a"], COLLEGE, key="k" * 256).status_code == 422
    assert Institution.objects.filter(name_latin="College D").count() == 2
