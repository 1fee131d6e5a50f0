"""When an agreement's host is on another node, the host's staff propose a change of its components on their node: the
proposal goes to the agreement's home node (naming its proposer, recorded as personal data sent about them), where the
sending coordinator decides it as any change; the decision comes back, and an approved change's new version follows
as usual. Misdirected, stale and malformed messages and proposals change nothing."""

import uuid

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.errors import Forbidden, ValidationFailed, VersionConflict
from ortaq.federation import services, transport
from ortaq.federation.models import InboxMessage, OutboxMessage, PersonalDataSent
from ortaq.federation.selectors import personal_data_sent_to
from ortaq.mobility import during, remote_change_services
from ortaq.mobility.models import ChangeProposal, ProposalState, RemoteChangeProposal
from ortaq.notifications.models import Notification
from tests.conftest import make_institution, make_user
from tests.federation.conftest import RemoteNode
from tests.federation.test_logbooks_across_nodes import copy, signed  # noqa: F401
from tests.federation.test_mobility_agreements_across_nodes import _proposed, _signed, accepted, drafted  # noqa: F401
from tests.federation.test_nominations_across_nodes import _send, home, host, peered  # noqa: F401
from tests.mobility.test_api import api

pytestmark = pytest.mark.django_db

PROPOSED_KEYS = {"agreement", "proposal", "version", "sha256", "components", "reason_code", "comment", "proposer"}
ROWS = [{"code": "M7", "title": "PLC commissioning", "credits": "4.0", "hours": 100, "recognition": "Module 7: automation", "outcomes": []},
        {"code": "M8", "title": "Robot cell maintenance", "credits": "2.0", "hours": 40, "recognition": "", "outcomes": []}]
API_ROW = {"code": "C1", "title": "装配线调试", "credits": 4, "hours": 100, "recognition": "Module 7", "outcome_ids": [3]}


def _other_node(monkeypatch) -> RemoteNode:
    other = RemoteNode(node_id="https://ru.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    return other


# --------------------------------------------------------------------------- this node is the agreement's home


def _change(agreement, /, **changes) -> dict:
    current = agreement.versions.get(number=agreement.version)
    return {"agreement": str(agreement.pk), "proposal": "77", "version": current.number, "sha256": current.sha256, "components": ROWS,
            "reason_code": "timetable_conflict", "comment": "Line 2 is down in October", "proposer": {"name": "李明", "role": "coordinator"}} | changes


def test_a_change_proposed_on_the_hosts_node_waits_here_for_the_sending_coordinator(client, signed, peered):
    agreement, coordinator, learner = signed["agreement"], signed["coordinator"], signed["learner"]
    answer = _send(client, peered, "mobility_agreement.change_proposed", _change(agreement))
    assert answer.json()["status"] == "accepted", answer.json()
    proposal = ChangeProposal.objects.get()
    assert (proposal.agreement, proposal.base_version, proposal.state, proposal.reason_code, proposal.comment) == \
        (agreement, 1, ProposalState.PENDING, "timetable_conflict", "Line 2 is down in October")
    assert (proposal.proposed_by, proposal.proposed_on_node, proposal.proposer_name, proposal.remote_id) == (None, peered.node_id, "李明", "77")
    assert proposal.components == ROWS
    assert AuditEvent.objects.filter(action="create", object_id=str(proposal.pk), actor=None, summary=f"from {peered.node_id}").exists()
    told = Notification.objects.filter(key="agreement_change_proposed_remote")
    assert {n.recipient for n in told} == {coordinator, learner}
    again = _send(client, peered, "mobility_agreement.change_proposed", _change(agreement))  # redelivered under another id
    assert again.json()["status"] == "accepted" and ChangeProposal.objects.count() == 1

    client.force_login(coordinator)
    page = client.get(f"/en/mobility/agreements/{agreement.pk}/").content.decode()
    assert f"proposed on {peered.node_id} by 李明" in page and 'name="decision" value="approve"' in page
    [shown] = api(coordinator, "get", f"/agreements/{agreement.pk}").json()["proposals"]
    assert (shown["proposed_by_id"], shown["proposed_on_node"], shown["proposer_name"]) == (None, peered.node_id, "李明")

    outbox_before = OutboxMessage.objects.count()
    during.change_decide(actor=coordinator, proposal=proposal, approve=True, response="Agreed")
    agreement.refresh_from_db()
    assert agreement.version == 2 and [c.code for c in agreement.components.order_by("id")] == ["M7", "M8"]
    sent = list(OutboxMessage.objects.order_by("id")[outbox_before:])
    assert [(m.kind, m.peer.node_id) for m in sent] == [("mobility_agreement.proposed", peered.node_id), ("mobility_agreement.change_decided", peered.node_id)]
    assert sent[0].payload["version"] == 2 and [c["code"] for c in sent[0].payload["content"]["components"]] == ["M7", "M8"]
    assert sent[1].payload == {"agreement": str(agreement.pk), "proposal": "77", "approved": True, "response": "Agreed"}


def test_a_rejection_goes_back_to_the_hosts_node_with_its_response(client, signed, peered):
    agreement, coordinator = signed["agreement"], signed["coordinator"]
    _send(client, peered, "mobility_agreement.change_proposed", _change(agreement))
    proposal = ChangeProposal.objects.get()
    with pytest.raises(ValidationFailed):  # a rejection says why
        during.change_decide(actor=coordinator, proposal=proposal, approve=False, response="")
    during.change_decide(actor=coordinator, proposal=proposal, approve=False, response="M8 is not in the programme")
    agreement.refresh_from_db()
    assert agreement.version == 1
    [decided] = OutboxMessage.objects.filter(kind="mobility_agreement.change_decided")
    assert decided.payload == {"agreement": str(agreement.pk), "proposal": "77", "approved": False, "response": "M8 is not in the programme"}
    assert not OutboxMessage.objects.filter(kind="mobility_agreement.proposed", payload__version=2).exists()


def test_a_change_left_behind_by_a_newer_version_is_closed_and_the_hosts_node_told(client, signed, peered):
    agreement, learner, coordinator = signed["agreement"], signed["learner"], signed["coordinator"]
    _send(client, peered, "mobility_agreement.change_proposed", _change(agreement))
    theirs = ChangeProposal.objects.get()
    ours = during.change_propose(actor=learner, agreement=agreement, components=ROWS[:1], reason_code="other", expected_version=1)
    during.change_decide(actor=coordinator, proposal=ours, approve=True)
    with pytest.raises(VersionConflict):
        during.change_decide(actor=coordinator, proposal=theirs, approve=True)
    theirs.refresh_from_db()
    assert theirs.state == ProposalState.REJECTED
    [decided] = OutboxMessage.objects.filter(kind="mobility_agreement.change_decided")
    assert decided.payload == {"agreement": str(agreement.pk), "proposal": "77", "approved": False,
                               "response": "The agreement changed after this proposal was made."}


def test_a_change_proposed_here_sends_nothing_to_the_hosts_node(signed):
    agreement, learner, coordinator = signed["agreement"], signed["learner"], signed["coordinator"]
    proposal = during.change_propose(actor=learner, agreement=agreement, components=ROWS, reason_code="other", expected_version=1)
    during.change_decide(actor=coordinator, proposal=proposal, approve=False, response="No")
    assert not OutboxMessage.objects.filter(kind__startswith="mobility_agreement.change").exists()


def test_refusals_of_a_change_that_does_not_hold_here(client, signed, peered, monkeypatch):
    agreement = signed["agreement"]
    other = _other_node(monkeypatch)
    wrong_node = _send(client, other, "mobility_agreement.change_proposed", _change(agreement))
    assert wrong_node.status_code == 422 and wrong_node.json()["code"] == "not_home"
    for unknown in ({"agreement": "999999"}, {"agreement": "x"}):
        response = _send(client, peered, "mobility_agreement.change_proposed", _change(agreement, **unknown))
        assert response.status_code == 422 and response.json()["code"] == "not_home", unknown
    for stale in ({"version": 2}, {"sha256": "0" * 64}):
        response = _send(client, peered, "mobility_agreement.change_proposed", _change(agreement, **stale))
        assert response.status_code == 422 and response.json()["code"] == "conflict", stale
    for broken in ({"components": []}, {"components": "M7"}, {"components": [ROWS[0] | {"credits": "61"}]}, {"components": [ROWS[0] | {"title": ""}]},
                   {"components": [ROWS[0] | {"hours": "many"}]}, {"components": [ROWS[0] | {"outcomes": [999999]}]},
                   {"components": [ROWS[0] | {"code": "M" * 41}]}, {"reason_code": "bored"}, {"reason_code": None}, {"comment": 5},
                   {"proposer": {"name": "", "role": "coordinator"}}, {"proposer": {"name": "李明", "role": "rector"}}, {"version": "1"}):
        response = _send(client, peered, "mobility_agreement.change_proposed", _change(agreement, **broken))
        assert response.status_code == 400 and response.json()["code"] == "invalid_message", broken
    assert not ChangeProposal.objects.exists() and not InboxMessage.objects.filter(kind="mobility_agreement.change_proposed").exists()


# --------------------------------------------------------------------------- this node hosts the receiving party


def _form(version: int = 1, **changes) -> dict:
    return {"version": version, "code_0": "C1", "title_0": "装配线调试", "credits_0": "4", "hours_0": "100", "recognition_0": "Module 7",
            "outcomes_0": ["3"], "code_1": "", "title_1": "", "credits_1": "", "hours_1": "", "recognition_1": "",
            "reason_code": "timetable_conflict", "comment": "二号线十月停产"} | changes


def test_the_hosts_staff_propose_a_change_here_and_it_goes_home(client, peered, copy):
    row, coordinator = copy
    page_url, propose_url = f"/en/mobility/agreements/remote/{row.pk}/", f"/en/mobility/agreements/remote/{row.pk}/changes/"
    client.force_login(coordinator)
    page = client.get(page_url).content.decode()
    for shown in ("Propose a change", 'name="title_0" value="装配线调试"', 'name="outcomes_0" value="3" checked', 'name="title_1" value=""'):
        assert shown in page, shown
    assert client.post(propose_url, _form()).status_code == 302
    proposal = RemoteChangeProposal.objects.get()
    rows = [{"code": "C1", "title": "装配线调试", "credits": "4.0", "hours": 100, "recognition": "Module 7", "outcomes": [3]}]
    assert (proposal.agreement, proposal.base_version, proposal.components, proposal.state, proposal.proposed_by) == \
        (row, 1, rows, ProposalState.PENDING, coordinator)
    assert AuditEvent.objects.filter(action="create", actor=coordinator, object_id=str(proposal.pk)).exists()
    [message] = OutboxMessage.objects.filter(kind="mobility_agreement.change_proposed")
    assert message.peer.node_id == peered.node_id and set(message.payload) == PROPOSED_KEYS
    assert message.payload == {"agreement": "55", "proposal": str(proposal.pk), "version": 1, "sha256": row.sha256, "components": rows,
                               "reason_code": "timetable_conflict", "comment": "二号线十月停产", "proposer": {"name": "Almaty", "role": "coordinator"}}
    record = PersonalDataSent.objects.get(kind="mobility_agreement.change_proposed")
    assert (record.person, record.peer, record.message, record.fields) == (coordinator, message.peer, message, ["proposer_name", "signer_role"])
    [shown] = [r for r in personal_data_sent_to(person=coordinator) if "proposed a change" in r["why"]]
    assert shown["what"] == ["your name, as the one who proposed the change", "your role at your institution"]

    assert client.post(propose_url, _form()).status_code == 400  # one pending proposal at a time
    page = client.get(page_url).content.decode()
    assert 'id="propose-change"' not in page and "Timetable conflict — Pending" in page
    assert OutboxMessage.objects.filter(kind="mobility_agreement.change_proposed").count() == 1

    decided = {"agreement": "55", "proposal": str(proposal.pk), "approved": False, "response": "Module 7 needs 5 credits"}
    message_id = str(uuid.uuid4())
    assert _send(client, peered, "mobility_agreement.change_decided", decided, message_id).json()["status"] == "accepted"
    proposal.refresh_from_db()
    assert (proposal.state, proposal.response) == (ProposalState.REJECTED, "Module 7 needs 5 credits")
    assert AuditEvent.objects.filter(action="transition", actor=None, object_id=str(proposal.pk), summary=f"by {peered.node_id}").exists()
    assert Notification.objects.get(key="remote_change_rejected").recipient == coordinator
    assert _send(client, peered, "mobility_agreement.change_decided", decided).json()["status"] == "accepted"  # the same again
    other = _send(client, peered, "mobility_agreement.change_decided", decided | {"approved": True})
    assert other.status_code == 422 and other.json()["code"] == "conflict"
    page = client.get(page_url).content.decode()
    assert "Rejected" in page and "Module 7 needs 5 credits" in page and 'id="propose-change"' in page  # and a new one may be proposed

    created = api(coordinator, "post", f"/agreements/remote/{row.pk}/changes",
                  {"components": [{"code": "C1", "title": "装配线调试", "credits": 5, "hours": 120, "outcome_ids": [3, 5]}],
                   "reason_code": "other", "comment": "", "expected_version": 1})
    assert created.status_code == 201, created.json()
    assert (created.json()["state"], created.json()["components"][0]["outcomes"]) == ("pending", [3, 5])
    assert OutboxMessage.objects.filter(kind="mobility_agreement.change_proposed").count() == 2


def test_refusals_of_a_change_proposed_on_the_hosts_node(client, peered, copy):
    row, coordinator = copy
    propose_url = f"/en/mobility/agreements/remote/{row.pk}/changes/"
    stranger = make_user("shymkent", (make_institution("Shymkent College"), "coordinator"))
    client.force_login(stranger)
    assert client.post(propose_url, _form()).status_code == 404
    assert api(stranger, "post", f"/agreements/remote/{row.pk}/changes",
               {"components": [API_ROW], "reason_code": "other", "expected_version": 1}).status_code == 404
    admin = make_user("root", superuser=True)
    client.force_login(admin)
    assert client.post(propose_url, _form()).status_code == 403  # a platform administrator does not speak for the host
    with pytest.raises(Forbidden):
        remote_change_services.remote_change_propose(actor=admin, agreement=row, components=ROWS, reason_code="other", expected_version=1)

    client.force_login(coordinator)
    stale = api(coordinator, "post", f"/agreements/remote/{row.pk}/changes", {"components": [API_ROW], "reason_code": "other", "expected_version": 2})
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    with pytest.raises(VersionConflict):
        remote_change_services.remote_change_propose(actor=coordinator, agreement=row, components=ROWS, reason_code="other", expected_version=2)
    for broken in ({"credits_0": "61"}, {"hours_0": "2001"}, {"title_0": ""}, {"outcomes_0": ["4"]}, {"code_0": "C" * 41}, {"title_0": "T" * 301},
                   {"reason_code": "bored"}, {"credits_0": "many"}):
        response = client.post(propose_url, _form(**broken))
        assert response.status_code == 422, broken
    unknown_outcome = client.post(propose_url, _form(outcomes_0=["4"])).content.decode()
    assert "Row 1: link only learning outcomes" in unknown_outcome
    assert not RemoteChangeProposal.objects.exists() and not OutboxMessage.objects.filter(kind="mobility_agreement.change_proposed").exists()


def test_refusals_of_a_decision_on_a_change_not_proposed_here(client, peered, copy, monkeypatch):
    row, coordinator = copy
    proposal = remote_change_services.remote_change_propose(actor=coordinator, agreement=row, components=ROWS, reason_code="other", expected_version=1)
    decided = {"agreement": "55", "proposal": str(proposal.pk), "approved": True, "response": ""}
    other = _other_node(monkeypatch)
    theirs = _send(client, other, "mobility_agreement.change_decided", decided)
    assert theirs.status_code == 422 and theirs.json()["code"] == "not_home"
    for unknown in ({"proposal": "999999"}, {"proposal": "x"}, {"agreement": "56"}):
        response = _send(client, peered, "mobility_agreement.change_decided", decided | unknown)
        assert response.status_code == 422 and response.json()["code"] == "not_home", unknown
    for broken in ({"approved": "yes"}, {"response": 5}, {"response": "x" * 1001}):
        response = _send(client, peered, "mobility_agreement.change_decided", decided | broken)
        assert response.status_code == 400 and response.json()["code"] == "invalid_message", broken
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PENDING and not InboxMessage.objects.filter(kind="mobility_agreement.change_decided").exists()
