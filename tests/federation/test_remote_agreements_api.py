"""The REST API for the host's side of an agreement drafted on another node: the host's staff list and read the copy
kept here, sign the version they read, verify the logbook weeks the learner keeps at home, grade each component and
rate the learning outcomes, and a coordinator signs the results as the transcript sent home, all through the services
the web page calls, so every decision goes home in the outbox. Staff of another institution see none and change none,
a caller without a valid token is turned away, and bad input is refused with a code and changes nothing."""

import json

import pytest
from django.test import Client

from ortaq.accounts.services import api_token_create
from ortaq.audit.models import AuditEvent
from ortaq.federation.models import OutboxMessage
from ortaq.mobility import services as mobility_services
from ortaq.mobility.models import EntryState, RemoteLogbookEntry, RemoteMobilityAgreement, RemoteNomination
from ortaq.mobility.remote_services import remote_nomination_decide
from tests.conftest import make_institution, make_user
from tests.federation.test_mobility_agreements_across_nodes import _proposed, accepted  # noqa: F401
from tests.federation.test_nominations_across_nodes import _nomination_sent, _send, host, peered  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = "/api/v1/mobility/agreements/remote/"
QUERIES = 5  # the token and its user, the caller's memberships, the count, the page
CONTENT = {"kind": "training", "start_date": "2026-09-01", "end_date": "2026-11-30", "weekly_hours": 30,
           "components": [{"code": "C1", "title": "装配线调试", "credits": "5.0", "hours": 120, "recognition": "Module 7", "outcomes": [3, 5]},
                          {"code": "S1", "title": "安全培训", "credits": "1.0", "hours": 30, "recognition": "", "outcomes": []}]}
OUTCOME_TEXTS = {"3": {"en": "Commission a PLC-controlled line", "zh": "调试PLC控制的生产线"}, "5": {"en": "Apply electrical safety rules"}}
COPY = "mobility.remotemobilityagreement"  # the audit's object_type
GRADES = [(0, "92", "percent"), (1, "优秀", "cn_five_band")]


def api(user, method: str, url: str, body: dict | None = None, *, secret: str | None = None):
    if secret is None and user is not None:
        _token, secret = api_token_create(actor=user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if body is None:
        return getattr(Client(), method)(BASE + url, **headers)
    return getattr(Client(), method)(BASE + url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def proposed(client, peered, accepted):
    """The host's copy of version 1 of the agreement, as the home node sent it to sign."""
    college, coordinator = accepted
    sent = _send(client, peered, "mobility_agreement.proposed", _proposed(CONTENT, outcome_texts=OUTCOME_TEXTS)).json()
    assert sent["status"] == "accepted", sent
    return RemoteMobilityAgreement.objects.get(), coordinator


@pytest.fixture
def copy(client, peered, proposed):
    """The host's copy, signed by all as the home node last told (tests/federation/test_logbooks_across_nodes.py)."""
    row, coordinator = proposed
    signatures = [{"party": party, "version": 1, "sha256": row.sha256} for party in ("learner", "sending", "receiving")]
    state = {"agreement": "55", "version": 1, "sha256": row.sha256, "state": "signed", "signatures": signatures}
    assert _send(client, peered, "mobility_agreement.state", state).json()["status"] == "accepted"
    row.refresh_from_db()
    return row, coordinator


@pytest.fixture
def supervisor(accepted):
    college, _coordinator = accepted
    return make_user("zhang.wei", (college, "company_supervisor"))


def _week(client, peered, entry: str = "301") -> RemoteLogbookEntry:
    week = {"agreement": "55", "entry": entry, "week_start": "2026-09-07", "hours": "32.0", "description": "调试二号线的PLC", "outcomes": [3],
            "state": "submitted"}
    assert _send(client, peered, "logbook.submitted", week).json()["status"] == "accepted"
    return RemoteLogbookEntry.objects.get(home_id=entry)


def test_the_hosts_coordinator_lists_and_reads_the_copy_as_the_home_node_sent_it(proposed, peered):
    row, coordinator = proposed
    page = api(coordinator, "get", "").json()
    assert page["count"] == 1 and [item["id"] for item in page["items"]] == [row.pk]
    assert api(coordinator, "get", "?state=draft").json()["count"] == 1  # no party has signed it yet
    assert api(coordinator, "get", "?state=signed").json() == {"items": [], "count": 0}
    read = api(coordinator, "get", f"{row.pk}")
    assert read.status_code == 200, read.content
    item = read.json()
    assert item == page["items"][0]
    assert (item["node"], item["home_id"], item["nomination_id"], item["host_id"]) == (peered.node_id, "55", row.nomination_id, row.nomination.host_id)
    assert (item["learner_name"], item["learner_name_latin"]) == ("王芳", "Wang Fang")
    assert (item["version"], item["sha256"], item["state"]) == (1, mobility_services.agreement_content_sha256(CONTENT), "draft")
    assert item["content"] == {"kind": "training", "start_date": "2026-09-01", "end_date": "2026-11-30", "weekly_hours": 30, "components": [
        {"code": "C1", "title": "装配线调试", "credits": "5.0", "hours": 120, "recognition": "Module 7", "outcomes": [3, 5]},
        {"code": "S1", "title": "安全培训", "credits": "1.0", "hours": 30, "recognition": "", "outcomes": []}]}
    assert item["outcome_texts"] == OUTCOME_TEXTS
    assert (item["signatures"], item["signed_version"], item["signed_at"]) == ([], None, None)
    assert item["results"] == {"components": [], "outcomes": []}
    assert (item["transcript_credential"], item["transcript_sent_at"]) == ("", None)


def test_the_hosts_coordinator_signs_the_version_read_and_the_signature_goes_home(proposed, peered):
    row, coordinator = proposed
    stale = api(coordinator, "post", f"{row.pk}/sign", {"expected_version": 2})
    assert (stale.status_code, stale.json()["code"], stale.json()["current_version"]) == (409, "version_conflict", 1)
    assert api(coordinator, "post", f"{row.pk}/sign", {}).status_code == 422  # the version read is required
    assert not OutboxMessage.objects.filter(kind="mobility_agreement.signed").exists()

    signed = api(coordinator, "post", f"{row.pk}/sign", {"expected_version": 1})
    assert signed.status_code == 200, signed.content
    assert (signed.json()["signed_version"], signed.json()["signed_at"] is not None) == (1, True)
    [message] = OutboxMessage.objects.filter(kind="mobility_agreement.signed")
    assert message.peer.node_id == peered.node_id
    assert (message.payload["agreement"], message.payload["version"], message.payload["sha256"]) == ("55", 1, row.sha256)
    assert AuditEvent.objects.filter(action="approve", actor=coordinator, object_type=COPY, object_id=str(row.pk)).exists()
    again = api(coordinator, "post", f"{row.pk}/sign", {"expected_version": 1})
    assert (again.status_code, again.json()["code"]) == (400, "already_signed")
    assert OutboxMessage.objects.filter(kind="mobility_agreement.signed").count() == 1


def test_the_hosts_coordinator_verifies_a_week_and_the_decision_goes_home(client, peered, copy):
    row, coordinator = copy
    week = _week(client, peered)
    listed = api(coordinator, "get", f"{row.pk}/logbook").json()
    assert listed["count"] == 1
    assert listed["items"][0] == {"id": week.pk, "home_id": "301", "week_start": "2026-09-07", "hours": "32.0", "description": "调试二号线的PLC",
                                  "outcomes": [3], "state": "submitted", "verified_hours": None, "comment": "", "verified_at": None}
    url = f"{row.pk}/logbook/{week.pk}/verify"
    too_many = api(coordinator, "post", url, {"decision": "verify", "verified_hours": 40, "comment": ""})
    assert (too_many.status_code, too_many.json()["code"]) == (422, "validation")
    no_reason = api(coordinator, "post", url, {"decision": "return", "comment": ""})
    assert (no_reason.status_code, no_reason.json()["errors"]) == (422, {"comment": ["Say why the week is returned."]})
    assert api(coordinator, "post", f"{row.pk}/logbook/{10**9}/verify", {"decision": "verify", "verified_hours": 30}).status_code == 404
    assert not OutboxMessage.objects.filter(kind="logbook.verified").exists()

    verified = api(coordinator, "post", url, {"decision": "verify", "verified_hours": 30.5, "comment": "Good work"})
    assert verified.status_code == 200, verified.content
    assert (verified.json()["state"], verified.json()["verified_hours"], verified.json()["comment"]) == ("verified", "30.5", "Good work")
    week.refresh_from_db()
    assert (week.state, week.verified_by) == (EntryState.VERIFIED, coordinator)
    [message] = OutboxMessage.objects.filter(kind="logbook.verified")
    assert (message.peer.node_id, message.payload["entry"], message.payload["approve"], message.payload["verified_hours"]) == \
        (peered.node_id, "301", True, "30.5")
    again = api(coordinator, "post", url, {"decision": "verify", "verified_hours": 30})
    assert (again.status_code, again.json()["code"]) == (400, "verified")
    assert OutboxMessage.objects.filter(kind="logbook.verified").count() == 1


def test_the_host_grades_each_component_rates_an_outcome_and_sends_the_transcript_home_once(copy, peered):
    row, coordinator = copy
    incomplete = api(coordinator, "post", f"{row.pk}/transcript")
    assert (incomplete.status_code, incomplete.json()["code"]) == (400, "incomplete")
    for component, grade, scale in GRADES:
        recorded = api(coordinator, "post", f"{row.pk}/results", {"component": component, "host_grade": grade, "host_scale": scale})
        assert recorded.status_code == 200, recorded.content
    rated = api(coordinator, "post", f"{row.pk}/evaluations", {"outcome": 3, "rating": "achieved", "comment": "独立完成调试"})
    assert rated.status_code == 200, rated.content
    assert rated.json()["results"] == {
        "components": [{"component": 0, "code": "C1", "host_grade": "92", "host_scale": "percent"},
                       {"component": 1, "code": "S1", "host_grade": "优秀", "host_scale": "cn_five_band"}],
        "outcomes": [{"outcome": 3, "rating": "achieved", "comment": "独立完成调试"}]}
    again = api(coordinator, "post", f"{row.pk}/evaluations", {"outcome": 3, "rating": "partially"})  # replaces the rating
    assert again.json()["results"]["outcomes"] == [{"outcome": 3, "rating": "partially", "comment": ""}]

    sent = api(coordinator, "post", f"{row.pk}/transcript")
    assert sent.status_code == 200, sent.content
    assert sent.json()["transcript_credential"] and sent.json()["transcript_sent_at"]
    [message] = OutboxMessage.objects.filter(kind="mobility.transcript")
    assert message.peer.node_id == peered.node_id and message.payload["agreement"] == "55"
    assert AuditEvent.objects.filter(action="transition", actor=coordinator, object_type=COPY, object_id=str(row.pk), summary=f"transcript sent to {peered.node_id}").exists()
    for refused in (api(coordinator, "post", f"{row.pk}/transcript"),
                    api(coordinator, "post", f"{row.pk}/results", {"component": 0, "host_grade": "50", "host_scale": "percent"}),
                    api(coordinator, "post", f"{row.pk}/evaluations", {"outcome": 5, "rating": "achieved"})):
        assert (refused.status_code, refused.json()["code"]) == (400, "state")
    row.refresh_from_db()
    assert row.results["components"]["0"] == {"grade": "92", "scale": "percent"} and "5" not in row.results["outcomes"]
    assert OutboxMessage.objects.filter(kind="mobility.transcript").count() == 1


def test_a_company_supervisor_records_results_but_does_not_sign_the_transcript(copy, supervisor):
    row, _coordinator = copy
    assert [i["id"] for i in api(supervisor, "get", "").json()["items"]] == [row.pk]
    for component, grade, scale in GRADES:
        assert api(supervisor, "post", f"{row.pk}/results", {"component": component, "host_grade": grade, "host_scale": scale}).status_code == 200
    refused = api(supervisor, "post", f"{row.pk}/transcript")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    row.refresh_from_db()
    assert (row.transcript_credential, row.transcript_sent_at, row.results_by) == ("", None, supervisor)
    assert not OutboxMessage.objects.filter(kind="mobility.transcript").exists()


def test_a_coordinator_of_another_institution_sees_none_and_changes_none(client, peered, copy):
    row, _coordinator = copy
    week = _week(client, peered)
    stranger = make_user("shymkent", (make_institution("Shymkent College"), "coordinator"))
    assert api(stranger, "get", "").json() == {"items": [], "count": 0}
    for method, url, body in [("get", f"{row.pk}", None), ("get", f"{row.pk}/logbook", None), ("post", f"{row.pk}/sign", {"expected_version": 1}),
                              ("post", f"{row.pk}/logbook/{week.pk}/verify", {"decision": "verify", "verified_hours": 30}),
                              ("post", f"{row.pk}/results", {"component": 0, "host_grade": "92", "host_scale": "percent"}),
                              ("post", f"{row.pk}/evaluations", {"outcome": 3, "rating": "achieved"}), ("post", f"{row.pk}/transcript", None)]:
        response = api(stranger, method, url, body)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    row.refresh_from_db()
    week.refresh_from_db()
    assert (row.signed_version, row.results, row.transcript_sent_at, week.state) == (None, {}, None, EntryState.SUBMITTED)
    assert not OutboxMessage.objects.filter(kind__in=["mobility_agreement.signed", "logbook.verified", "mobility.transcript"]).exists()


def test_a_caller_without_a_valid_token_is_turned_away(copy):
    row, _coordinator = copy
    for method, url, body in [("get", "", None), ("get", f"{row.pk}", None), ("post", f"{row.pk}/sign", {"expected_version": 1}),
                              ("post", f"{row.pk}/results", {"component": 0, "host_grade": "92", "host_scale": "percent"}),
                              ("post", f"{row.pk}/transcript", None)]:
        assert api(None, method, url, body).status_code == 401, url
        assert api(None, method, url, body, secret="not-a-token").status_code == 401, url
    row.refresh_from_db()
    assert (row.signed_version, row.results, row.transcript_sent_at) == (None, {}, None)


def _refusal(response) -> tuple[int, str, set[str]]:
    """(status, code, fields): the service's refusals carry `code` and `errors`; the schema's name each field in `detail`."""
    body = response.json()
    if "code" in body:
        return response.status_code, body["code"], set(body.get("errors") or {})
    return response.status_code, body["detail"][0]["type"], {item["loc"][-1] for item in body["detail"]}


def test_bad_grades_scales_components_and_ratings_are_refused_with_a_code_and_change_nothing(copy):
    row, coordinator = copy
    results, evaluations = f"{row.pk}/results", f"{row.pk}/evaluations"
    for body, refusal in [({"component": 0, "host_grade": "Z", "host_scale": "percent"}, ("validation", "host_grade")),
                          ({"component": 0, "host_grade": "101", "host_scale": "percent"}, ("validation", "host_grade")),
                          ({"component": 2, "host_grade": "92", "host_scale": "percent"}, ("validation", "component")),
                          ({"component": 0, "host_grade": "92", "host_scale": "gpa"}, ("literal_error", "host_scale")),
                          ({"component": -1, "host_grade": "92", "host_scale": "percent"}, ("greater_than_equal", "component")),
                          ({"component": 0, "host_grade": "", "host_scale": "percent"}, ("too_short", "host_grade")),
                          ({"component": "0", "host_grade": "92", "host_scale": "percent"}, ("int_type", "component"))]:
        assert _refusal(api(coordinator, "post", results, body)) == (422, refusal[0], {refusal[1]}), body
    for body, refusal in [({"outcome": 4, "rating": "achieved"}, ("validation", "outcome")),
                          ({"outcome": 3, "rating": "excellent"}, ("literal_error", "rating")),
                          ({"outcome": 0, "rating": "achieved"}, ("greater_than_equal", "outcome")),
                          ({"outcome": 3, "rating": "achieved", "comment": "x" * 1001}, ("validation", "comment"))]:
        assert _refusal(api(coordinator, "post", evaluations, body)) == (422, refusal[0], {refusal[1]}), body
    row.refresh_from_db()
    assert row.results == {} and not AuditEvent.objects.filter(actor=coordinator, object_type=COPY).exists()


def test_the_list_costs_the_same_queries_with_more_copies(client, peered, accepted, proposed, django_assert_num_queries):
    college, coordinator = accepted
    _send(client, peered, "nomination.sent", _nomination_sent(college, "42"))
    remote_nomination_decide(actor=coordinator, nomination=RemoteNomination.objects.get(home_id="42"), accept=True)
    assert _send(client, peered, "mobility_agreement.proposed", _proposed(CONTENT, agreement="56", nomination="42")).json()["status"] == "accepted"
    _token, secret = api_token_create(actor=coordinator, name="test")
    api(None, "get", "", secret=secret)  # the token's last use is touched once a minute: not in the count below
    with django_assert_num_queries(QUERIES):
        page = api(None, "get", "?page_size=1", secret=secret).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    with django_assert_num_queries(QUERIES):
        assert len(api(None, "get", "", secret=secret).json()["items"]) == 2
