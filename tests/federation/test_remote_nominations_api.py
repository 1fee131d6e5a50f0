"""The REST API for nominations made on another node to a host here: the host's staff list them beside the local ones
and accept or decline them through the same service as the web page, so the decision goes home in the outbox; staff
of another institution see none and decide none, and a caller without a valid token is turned away."""

import json

import pytest
from django.test import Client

from ortaq.accounts.services import api_token_create
from ortaq.audit.models import AuditEvent
from ortaq.federation.models import OutboxMessage
from ortaq.mobility.models import RemoteNomination
from tests.conftest import make_institution, make_user
from tests.federation.test_nominations_across_nodes import _mirror, _nomination_sent, _send, host, peered  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = "/api/v1/mobility/nominations/remote/"
QUERIES = 5  # the token and its user, the caller's memberships, the count, the page


def api(user, method: str, url: str, body: dict | None = None, *, secret: str | None = None):
    if secret is None and user is not None:
        _token, secret = api_token_create(actor=user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if body is None:
        return getattr(Client(), method)(url, **headers)
    return getattr(Client(), method)(url, data=json.dumps(body), content_type="application/json", **headers)


def _decide(pk: int) -> str:
    return f"/api/v1/mobility/nominations/remote/{pk}/decide"


@pytest.fixture
def received(client, peered, host):
    """Two nominations from the remote node to Almaty College, the host here."""
    college, coordinator = host
    for home_id in ("41", "42"):
        assert _send(client, peered, "nomination.sent", _nomination_sent(college, home_id)).json()["status"] == "accepted"
    return {"college": college, "coordinator": coordinator, "rows": list(RemoteNomination.objects.order_by("home_id"))}


def test_the_hosts_coordinator_lists_the_nominations_from_another_node_with_what_crossed(received, peered):
    response = api(received["coordinator"], "get", LIST)
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["count"] == 2 and [item["home_id"] for item in page["items"]] == ["42", "41"]
    item = page["items"][1]
    assert item["id"] == received["rows"][0].pk
    assert (item["node"], item["host_id"], item["sending_id"]) == (peered.node_id, received["college"].pk, _mirror().pk)
    assert (item["learner_name"], item["learner_name_latin"]) == ("王芳", "Wang Fang")
    assert (item["call_title"], item["call_language"]) == ("赴哈萨克斯坦实习 2026", "zh")
    assert (item["mobility_type"], item["academic_year"], item["isced_code"]) == ("student_internship", 2026, "0714")
    assert (item["start_date"], item["end_date"], item["duration"], item["duration_unit"]) == ("2026-09-01", "2026-11-30", None, "")
    assert item["answer_by"].startswith("2026-12-10T12:00:00")
    assert (item["state"], item["reason"], item["decided_at"]) == ("pending", "", None)


def test_the_hosts_coordinator_accepts_one_and_declines_another_and_the_decisions_go_home(received):
    coordinator, (first, second) = received["coordinator"], received["rows"]
    accepted = api(coordinator, "post", _decide(first.pk), {"decision": "accept"})
    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["state"], accepted.json()["decided_at"] is not None) == ("accepted", True)
    declined = api(coordinator, "post", _decide(second.pk), {"decision": "decline", "reason": "The workshop is closed in autumn."})
    assert (declined.json()["state"], declined.json()["reason"]) == ("declined", "The workshop is closed in autumn.")
    first.refresh_from_db()
    assert (first.state, first.decided_by) == ("accepted", coordinator)
    sent = [m.payload for m in OutboxMessage.objects.filter(kind="nomination.decided").order_by("id")]
    assert sent == [{"nomination": "41", "accept": True, "reason": ""},
                    {"nomination": "42", "accept": False, "reason": "The workshop is closed in autumn."}]
    assert AuditEvent.objects.filter(action="transition", actor=coordinator, object_id=str(second.pk)).exists()

    assert [i["home_id"] for i in api(coordinator, "get", LIST + "?state=declined").json()["items"]] == ["42"]
    assert api(coordinator, "get", LIST + "?state=pending").json() == {"items": [], "count": 0}
    again = api(coordinator, "post", _decide(first.pk), {"decision": "decline", "reason": "Changed my mind"})
    assert (again.status_code, again.json()["code"]) == (400, "state")
    assert OutboxMessage.objects.filter(kind="nomination.decided").count() == 2


def test_declining_without_a_reason_is_refused_with_a_code_and_changes_nothing(received):
    row = received["rows"][0]
    for body in ({"decision": "decline"}, {"decision": "decline", "reason": "   "}):
        response = api(received["coordinator"], "post", _decide(row.pk), body)
        assert (response.status_code, response.json()["code"]) == (422, "validation"), body
        assert response.json()["errors"] == {"reason": ["Give the reason for declining."]}
    unknown = api(received["coordinator"], "post", _decide(row.pk), {"decision": "maybe"})
    assert unknown.status_code == 422
    versioned = api(received["coordinator"], "post", _decide(row.pk), {"decision": "accept", "expected_version": "abc"})
    assert versioned.status_code == 422  # no version to send: a field the operation does not know is refused
    row.refresh_from_db()
    assert row.state == "pending" and not OutboxMessage.objects.filter(kind="nomination.decided").exists()


def test_a_coordinator_of_another_institution_sees_none_and_decides_none(received):
    stranger = make_user("shymkent", (make_institution("Shymkent College"), "coordinator"))
    assert api(stranger, "get", LIST).json() == {"items": [], "count": 0}
    row = received["rows"][0]
    response = api(stranger, "post", _decide(row.pk), {"decision": "accept"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    row.refresh_from_db()
    assert row.state == "pending" and not OutboxMessage.objects.filter(kind="nomination.decided").exists()


def test_a_caller_without_a_valid_token_is_turned_away(received):
    row = received["rows"][0]
    assert api(None, "get", LIST).status_code == 401
    assert api(None, "get", LIST, secret="not-a-token").status_code == 401
    assert api(None, "post", _decide(row.pk), {"decision": "accept"}).status_code == 401
    assert api(None, "post", _decide(row.pk), {"decision": "accept"}, secret="not-a-token").status_code == 401
    row.refresh_from_db()
    assert row.state == "pending"


def test_the_list_of_a_host_with_many_costs_the_same_queries_as_with_a_few(client, peered, host, django_assert_num_queries):
    college, coordinator = host
    for number in range(30):
        _send(client, peered, "nomination.sent", _nomination_sent(college, str(number)))
    _token, secret = api_token_create(actor=coordinator, name="test")
    api(None, "get", LIST, secret=secret)  # the token's last use is touched once a minute: not in the count below
    with django_assert_num_queries(QUERIES):
        page = api(None, "get", LIST + "?page=2&page_size=10", secret=secret).json()
    assert page["count"] == 30 and len(page["items"]) == 10

