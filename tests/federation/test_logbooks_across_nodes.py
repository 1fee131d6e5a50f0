"""Once an agreement whose host is on another node is signed, the learner keeps her logbook at home and the host's
staff verify it on their node: each week she submits goes there (recorded as personal data sent about her, without
its evidence file), the host verifies it with the hours verified or returns it with a comment, and the decision comes
home, where it is recorded as a local verification would be. Misdirected, repeated and tampered messages change
nothing."""

import json
import uuid

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError
from ortaq.federation import services, transport
from ortaq.federation.models import InboxMessage, OutboxMessage, PersonalDataSent
from ortaq.federation.selectors import personal_data_sent_to
from ortaq.mobility import during, worklist
from ortaq.mobility.models import EntryState, LogbookEntry, MobilityAgreementState, RemoteLogbookEntry, RemoteMobilityAgreement
from ortaq.notifications.models import Notification
from tests.conftest import make_institution, make_user
from tests.federation.conftest import RemoteNode
from tests.federation.test_mobility_agreements_across_nodes import _proposed, _signed, accepted, drafted  # noqa: F401
from tests.federation.test_nominations_across_nodes import _send, home, host, peered  # noqa: F401

pytestmark = pytest.mark.django_db

SUBMITTED_KEYS = {"agreement", "entry", "week_start", "hours", "description", "outcomes", "state"}
VERIFIED_KEYS = {"agreement", "entry", "approve", "verified_hours", "comment", "verifier"}


# --------------------------------------------------------------------------- this node is the agreement's home


@pytest.fixture
def signed(client, drafted, peered):
    """The host signed the training agreement on its node, the learner and her coordinator here: signed by all."""
    agreement = drafted["agreement"]
    assert _send(client, peered, "mobility_agreement.signed", _signed(agreement)).json()["status"] == "accepted"
    during.mobility_agreement_sign(actor=drafted["learner"], agreement=agreement, party="learner")
    during.mobility_agreement_sign(actor=drafted["coordinator"], agreement=agreement, party="sending")
    agreement.refresh_from_db()
    assert agreement.state == MobilityAgreementState.SIGNED
    return drafted


def _submit(signed, week: str = "2026-09-07", hours: str = "32") -> LogbookEntry:
    return during.logbook_submit(actor=signed["learner"], agreement=signed["agreement"], week_start=week, hours=hours,
                                 description="Commissioned the PLC of line 2")


def _verified(week: LogbookEntry, **changes) -> dict:
    return {"agreement": str(week.agreement_id), "entry": str(week.pk), "approve": True, "verified_hours": "30.0", "comment": "",
            "verifier": {"name": "李明", "role": "company_supervisor"}} | changes


def test_a_week_the_learner_submits_goes_to_the_hosts_node_without_its_evidence(signed, peered):
    entry = _submit(signed)
    [message] = OutboxMessage.objects.filter(kind__startswith="logbook.")
    assert (message.kind, message.peer.node_id) == ("logbook.submitted", peered.node_id)
    assert set(message.payload) == SUBMITTED_KEYS
    assert message.payload == {"agreement": str(signed["agreement"].pk), "entry": str(entry.pk), "week_start": "2026-09-07", "hours": "32.0",
                               "description": "Commissioned the PLC of line 2", "outcomes": [], "state": "submitted"}
    sent = json.dumps(message.payload, ensure_ascii=False)
    for private in ("evidence", "990101400123", "aigerim", "Айгерим"):
        assert private not in sent
    record = PersonalDataSent.objects.get(kind="logbook.submitted")
    assert (record.person, record.peer, record.message) == (signed["learner"], message.peer, message)
    assert record.fields == ["week_start", "hours", "description", "outcomes"]
    assert "the host's supervisor verifies the week" in record.reason and "Tianjin VU" in record.reason
    [shown] = [r for r in personal_data_sent_to(person=signed["learner"]) if "logbook" in r["why"]]
    assert shown["what"] == ["the week of your logbook", "the hours you logged that week", "what you wrote you did that week",
                             "the learning outcomes you linked to that week"]


def test_the_hosts_decision_from_its_node_is_recorded_as_a_verification_here(client, signed, peered):
    entry = _submit(signed)
    message_id = str(uuid.uuid4())
    answer = _send(client, peered, "logbook.verified", _verified(entry), message_id)
    assert answer.json()["status"] == "accepted", answer.json()
    entry.refresh_from_db()
    assert (entry.state, entry.verified_hours, entry.verified_by, entry.verified_via_link) == (EntryState.VERIFIED, 30, None, False)
    assert (entry.verified_on_node, entry.verifier_name) == (peered.node_id, "李明")
    client.force_login(signed["learner"])
    assert f"(by 李明, on {peered.node_id})" in client.get(f"/en/mobility/agreements/{signed['agreement'].pk}/").content.decode()
    assert AuditEvent.objects.filter(action="approve", object_id=str(entry.pk), actor=None,
                                     summary=f"by {peered.node_id}: 李明 (company_supervisor)").exists()
    assert during.hours_summary(signed["agreement"])["verified"] == 30
    assert _send(client, peered, "logbook.verified", _verified(entry), message_id).json()["status"] == "duplicate"
    again = _send(client, peered, "logbook.verified", _verified(entry, verified_hours="10.0"))
    assert again.status_code == 422 and again.json()["code"] == "conflict"
    entry.refresh_from_db()
    assert entry.verified_hours == 30
    with pytest.raises(DomainError):  # a verified week is not submitted again, nor sent again
        _submit(signed)
    assert OutboxMessage.objects.filter(kind="logbook.submitted").count() == 1


def test_a_returned_week_is_resubmitted_and_goes_to_the_hosts_node_again(client, signed, peered):
    entry = _submit(signed)
    returned = _send(client, peered, "logbook.verified", _verified(entry, approve=False, verified_hours=None, comment="Add the line number"))
    assert returned.json()["status"] == "accepted", returned.json()
    entry.refresh_from_db()
    assert (entry.state, entry.supervisor_comment) == (EntryState.REJECTED, "Add the line number")
    not_submitted = _send(client, peered, "logbook.verified", _verified(entry))
    assert not_submitted.status_code == 422 and not_submitted.json()["code"] == "conflict"
    _submit(signed, hours="30")
    sent = list(OutboxMessage.objects.filter(kind="logbook.submitted").order_by("id"))
    assert [m.payload["hours"] for m in sent] == ["32.0", "30.0"] and sent[1].payload["entry"] == str(entry.pk)
    assert PersonalDataSent.objects.filter(kind="logbook.submitted").count() == 2
    assert _send(client, peered, "logbook.verified", _verified(entry)).json()["status"] == "accepted"
    entry.refresh_from_db()
    assert entry.state == EntryState.VERIFIED


def test_refusals_of_a_decision_that_does_not_hold_here(client, signed, peered, monkeypatch):
    entry = _submit(signed)
    other = RemoteNode(node_id="https://ru.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    wrong_node = _send(client, other, "logbook.verified", _verified(entry))
    assert wrong_node.status_code == 422 and wrong_node.json()["code"] == "not_home"
    for unknown in ({"entry": "999999"}, {"agreement": "999999"}, {"entry": "x"}):
        response = _send(client, peered, "logbook.verified", _verified(entry, **unknown))
        assert response.status_code == 422 and response.json()["code"] == "not_home", unknown
    for broken in ({"verified_hours": "40"}, {"verified_hours": 30}, {"approve": "yes"}, {"approve": False, "verified_hours": None},
                   {"verifier": {"name": "李明", "role": "rector"}}):
        response = _send(client, peered, "logbook.verified", _verified(entry, **broken))
        assert response.status_code == 400 and response.json()["code"] == "invalid_message", broken
    entry.refresh_from_db()
    assert entry.state == EntryState.SUBMITTED and not InboxMessage.objects.filter(kind="logbook.verified").exists()


# --------------------------------------------------------------------------- this node hosts the receiving party


def _week(entry: str = "301", **changes) -> dict:
    return {"agreement": "55", "entry": entry, "week_start": "2026-09-07", "hours": "32.0", "description": "调试二号线的PLC",
            "outcomes": [3], "state": "submitted"} | changes


@pytest.fixture
def copy(client, peered, accepted):
    """The host's copy of the agreement, signed by all as the home node last told."""
    college, coordinator = accepted
    assert _send(client, peered, "mobility_agreement.proposed", _proposed()).json()["status"] == "accepted"
    row = RemoteMobilityAgreement.objects.get()
    signatures = [{"party": party, "version": 1, "sha256": row.sha256} for party in ("learner", "sending", "receiving")]
    state = {"agreement": "55", "version": 1, "sha256": row.sha256, "state": "signed", "signatures": signatures}
    assert _send(client, peered, "mobility_agreement.state", state).json()["status"] == "accepted"
    row.refresh_from_db()
    return row, coordinator


def test_a_week_from_home_is_verified_by_the_hosts_staff_here(client, peered, copy):
    row, coordinator = copy
    assert _send(client, peered, "logbook.submitted", _week()).json()["status"] == "accepted"
    week = RemoteLogbookEntry.objects.get()
    assert (week.agreement, week.home_id, str(week.week_start), week.hours, week.outcomes, week.state) == \
        (row, "301", "2026-09-07", 32, [3], EntryState.SUBMITTED)
    assert Notification.objects.get(key="remote_logbook_submitted").recipient == coordinator
    assert AuditEvent.objects.filter(action="create", object_id=str(week.pk), summary=f"from {peered.node_id}").exists()
    [line] = [i for i in worklist.inbox_items(actor=coordinator) if i.kind == "mobility.remote_logbook"]
    assert (line.count, line.url) == (1, f"/en/mobility/agreements/remote/{row.pk}/")

    page_url, verify_url = f"/en/mobility/agreements/remote/{row.pk}/", f"/en/mobility/agreements/remote/{row.pk}/logbook/verify/"
    stranger = make_user("shymkent", (make_institution("Shymkent College"), "coordinator"))
    client.force_login(stranger)
    assert client.get(page_url).status_code == 404
    assert client.post(verify_url, {"entry": week.pk, "decision": "verify", "verified_hours": "30"}).status_code == 404
    assert not [i for i in worklist.inbox_items(actor=stranger) if i.kind == "mobility.remote_logbook"]

    client.force_login(coordinator)
    page = client.get(page_url).content.decode()
    for shown in ("Logbook", "调试二号线的PLC", "32.0", "#3", "Evidence files stay there", 'name="verified_hours"', "Return"):
        assert shown in page, shown
    for hours in ("", "forty", "40", "-1"):
        refused = client.post(verify_url, {"entry": week.pk, "decision": "verify", "verified_hours": hours})
        assert refused.status_code == 422 and "Verified hours must be between 0 and the hours submitted." in refused.content.decode(), hours
    assert client.post(verify_url, {"entry": week.pk, "decision": "return", "comment": ""}).status_code == 422
    assert not OutboxMessage.objects.filter(kind="logbook.verified").exists()

    assert client.post(verify_url, {"entry": week.pk, "decision": "verify", "verified_hours": "30", "comment": "Good work"}).status_code == 302
    week.refresh_from_db()
    assert (week.state, week.verified_hours, week.verified_by, week.comment) == (EntryState.VERIFIED, 30, coordinator, "Good work")
    [verified] = OutboxMessage.objects.filter(kind="logbook.verified")
    assert verified.peer.node_id == peered.node_id and set(verified.payload) == VERIFIED_KEYS
    assert verified.payload == {"agreement": "55", "entry": "301", "approve": True, "verified_hours": "30.0", "comment": "Good work",
                                "verifier": {"name": coordinator.full_name or coordinator.get_full_name() or "almaty", "role": "coordinator"}}
    record = PersonalDataSent.objects.get(kind="logbook.verified")
    assert (record.person, record.fields) == (coordinator, ["verifier_name", "signer_role"])
    assert AuditEvent.objects.filter(action="approve", actor=coordinator, object_id=str(week.pk)).exists()
    assert client.post(verify_url, {"entry": week.pk, "decision": "verify", "verified_hours": "30"}).status_code == 400  # once
    assert OutboxMessage.objects.filter(kind="logbook.verified").count() == 1
    assert not [i for i in worklist.inbox_items(actor=coordinator) if i.kind == "mobility.remote_logbook"]
    again = _send(client, peered, "logbook.submitted", _week())  # a verified week is not submitted again
    assert again.status_code == 422 and again.json()["code"] == "conflict"


def test_a_returned_week_waits_for_the_learner_and_comes_back(client, peered, copy):
    row, coordinator = copy
    _send(client, peered, "logbook.submitted", _week())
    week = RemoteLogbookEntry.objects.get()
    client.force_login(coordinator)
    verify_url = f"/en/mobility/agreements/remote/{row.pk}/logbook/verify/"
    assert client.post(verify_url, {"entry": week.pk, "decision": "return", "comment": "Name the line"}).status_code == 302
    [returned] = OutboxMessage.objects.filter(kind="logbook.verified")
    assert (returned.payload["approve"], returned.payload["verified_hours"], returned.payload["comment"]) == (False, None, "Name the line")
    assert client.post(verify_url, {"entry": week.pk, "decision": "verify", "verified_hours": "30"}).status_code == 400  # not submitted now
    assert _send(client, peered, "logbook.submitted", _week(hours="30.0", description="调试二号线")).json()["status"] == "accepted"
    week.refresh_from_db()
    assert (week.state, week.hours, week.description, week.comment) == (EntryState.SUBMITTED, 30, "调试二号线", "")


def test_refusals_of_a_week_that_does_not_hold_here(client, peered, accepted, monkeypatch):
    assert _send(client, peered, "mobility_agreement.proposed", _proposed()).json()["status"] == "accepted"
    unsigned = _send(client, peered, "logbook.submitted", _week())
    assert unsigned.status_code == 422 and unsigned.json()["code"] == "conflict"  # the copy here is not signed by all
    unknown = _send(client, peered, "logbook.submitted", _week(agreement="56"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "not_home"
    for broken in ({"hours": "0"}, {"hours": "81"}, {"hours": 32}, {"hours": "1.25"}, {"week_start": "soon"}, {"description": " "},
                   {"outcomes": ["3"]}, {"state": "verified"}, {"entry": 301}):
        response = _send(client, peered, "logbook.submitted", _week(**broken))
        assert response.status_code == 400 and response.json()["code"] == "invalid_message", broken
    other = RemoteNode(node_id="https://ru.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    theirs = _send(client, other, "logbook.submitted", _week())
    assert theirs.status_code == 422 and theirs.json()["code"] == "not_home"
    assert not RemoteLogbookEntry.objects.exists() and not InboxMessage.objects.filter(kind="logbook.submitted").exists()
