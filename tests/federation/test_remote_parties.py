"""A remote institution, mirrored from a peer's manifest, can be a party to an agreement drafted here."""

import pytest

from ortaq.federation import services
from tests.conftest import make_institution, make_user

pytestmark = pytest.mark.django_db


def test_a_coordinator_drafts_an_agreement_with_a_college_of_a_peer_node(remote, client):
    remote.institutions = [{"id": "7", "kind": "college", "country": "CN", "names": {"original": "乌鲁木齐职业大学", "latin": "Urumqi VU"}}]
    services.peer_add(actor=None, url=remote.node_id)
    home = make_institution("Almaty College")
    client.force_login(make_user("coordinator", (home, "coordinator")))
    partner = next(row for row in client.get("/api/v1/institutions/?q=Urumqi").json()["items"] if row["node"] == remote.node_id)
    response = client.post("/api/v1/agreements/", content_type="application/json", data={
        "kind": "inter_institutional", "title": "Almaty-Urumqi exchange", "start_year": 2026, "end_year": 2028,
        "initiator_id": home.pk, "party_ids": [partner["id"]]})
    assert response.status_code == 201, response.content
    assert {party["id"] for party in response.json()["parties"]} == {home.pk, partner["id"]}
