"""Two requests sent at once with one Idempotency-Key (a client that retries before the first answer arrives): the
claim on the key and the work share one transaction, so the second waits for the first and then repeats its answer."""

from __future__ import annotations

import json

from django.test import Client

from ortaq.accounts.services import api_token_create
from ortaq.institutions import services as institution_services
from ortaq.institutions.models import Institution
from tests.jobs.races import at_once, slowed
from tests.jobs.shared_database import shared_db  # noqa: F401
from tests.web.test_idempotency import COLLEGE, URL


def test_two_requests_with_one_key_at_once_create_one_record_and_get_one_answer(shared_db, transactional_db, world, monkeypatch):
    _token, secret = api_token_create(actor=world["coordinator_a"], name="race")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_IDEMPOTENCY_KEY": "double-click"}
    # Widen the window between the claim and the answer: an unguarded twin would create a second college in it.
    monkeypatch.setattr(institution_services, "institution_create", slowed(institution_services.institution_create))

    def send():
        return Client().post(URL, json.dumps(COLLEGE), content_type="application/json", **headers)

    first, second = at_once(send, send)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert sorted(r.get("Idempotent-Replayed", "") for r in (first, second)) == ["", "true"]
    assert Institution.objects.filter(name_latin="College D").count() == 1
