"""An agreement with a party on another node travels between the nodes: the home node sends each proposed version
and the approvals and state it records; the party's node keeps a copy with the same SHA-256, approves it there and
sends the approval home. Redeliveries change nothing; a node that is not the home of the agreement (or of the
approving institution) is refused. (Two real servers through the same journey: test_two_nodes.py.)"""

import uuid

import pytest

from ortaq.agreements import services as agreement_services
from ortaq.agreements.models import Agreement, AgreementApproval
from ortaq.audit.models import AuditEvent
from ortaq.federation import keys, services, transport
from ortaq.federation.models import InboxMessage, OutboxMessage
from tests.conftest import agreement_terms, condition_terms, make_institution, make_user
from tests.federation.conftest import RemoteNode, send_from

pytestmark = pytest.mark.django_db

REMOTE_COLLEGE = {"id": "7", "kind": "college", "country": "CN", "names": {"original": "乌鲁木齐职业大学", "latin": "Urumqi VU"}}


@pytest.fixture
def peered(remote):
    remote.institutions = [REMOTE_COLLEGE]
    services.peer_add(actor=None, url=remote.node_id)
    return remote


def _mirror():
    from ortaq.institutions.models import Institution

    return Institution.objects.get(node__isnull=False, name_latin="Urumqi VU")


_send = send_from


# --------------------------------------------------------------------------- this node is the agreement's home


@pytest.fixture
def proposed_here(peered):
    home = make_institution("Almaty College")
    coordinator = make_user("almaty", (home, "coordinator"))
    partner = _mirror()
    agreement = agreement_services.agreement_create(actor=coordinator, terms=agreement_terms(), initiator=home, parties=[home, partner])
    agreement_services.condition_add(actor=coordinator, agreement=agreement, terms=condition_terms(home, partner))
    agreement_services.agreement_propose(actor=coordinator, agreement=agreement)
    return Agreement.objects.get(pk=agreement.pk), home, partner, coordinator


def test_proposing_sends_the_version_with_its_content_and_hash_to_the_partys_node(proposed_here, peered):
    agreement, home, partner, _ = proposed_here
    message = OutboxMessage.objects.get(kind="agreement.proposed")
    version = agreement.versions.get(number=agreement.version)
    assert message.peer.node_id == peered.node_id and "hosted by" in message.reason
    assert message.payload["agreement"] == str(agreement.pk) and message.payload["version"] == version.number
    assert message.payload["sha256"] == version.sha256 and message.payload["content"] == version.content
    assert agreement_services.canonical_sha256(message.payload["content"]) == version.sha256
    # Each institution of the content by its home node and its id there: the mirror by the peer's own id.
    assert sorted(message.payload["parties"], key=lambda p: p["ref"]) == sorted(
        [{"ref": home.pk, "node": keys.node_id(), "id": str(home.pk)}, {"ref": partner.pk, "node": peered.node_id, "id": "7"}],
        key=lambda p: p["ref"])
    assert AuditEvent.objects.filter(action="send").exists()


def test_an_agreement_between_local_institutions_sends_nothing(peered):
    a, b = make_institution("College A"), make_institution("College B")
    coordinator = make_user("a", (a, "coordinator"))
    agreement = agreement_services.agreement_create(actor=coordinator, terms=agreement_terms(kind="memorandum"), initiator=a, parties=[a, b])
    agreement_services.agreement_propose(actor=coordinator, agreement=agreement)
    assert not OutboxMessage.objects.filter(kind__startswith="agreement.").exists()


def test_the_partys_approval_from_its_node_completes_the_agreement_and_the_state_goes_back(client, proposed_here, peered):
    agreement, home, partner, coordinator = proposed_here
    agreement_services.agreement_approve(actor=coordinator, agreement=agreement, institution=home)
    version = agreement.versions.get(number=agreement.version)
    approval = {"agreement": str(agreement.pk), "version": version.number, "sha256": version.sha256,
                "institution": {"node": peered.node_id, "id": "7"}}
    message_id = str(uuid.uuid4())
    assert _send(client, peered, "agreement.approved", approval, message_id).json()["status"] == "accepted"
    agreement.refresh_from_db()
    assert agreement.state == "approved"
    remote_approval = AgreementApproval.objects.get(agreement=agreement, institution=partner)
    assert remote_approval.approved_by is None and remote_approval.sha256 == version.sha256
    state = OutboxMessage.objects.filter(kind="agreement.state").last()
    assert state.payload["state"] == "approved" and state.payload["sha256"] == version.sha256
    assert {(a["institution"]["node"], a["institution"]["id"]) for a in state.payload["approvals"]} == {
        (keys.node_id(), str(home.pk)), (peered.node_id, "7")}
    assert AuditEvent.objects.filter(action="approve", summary__contains=peered.node_id).exists()

    # The same message again, and the same approval in a new message: nothing more happens.
    assert _send(client, peered, "agreement.approved", approval, message_id).json()["status"] == "duplicate"
    assert _send(client, peered, "agreement.approved", approval).json()["status"] == "accepted"
    assert AgreementApproval.objects.filter(agreement=agreement).count() == 2
    assert OutboxMessage.objects.filter(kind="agreement.state").count() == 2  # the home party's approval, then the last one


def test_a_node_cannot_approve_for_an_institution_it_does_not_host(client, proposed_here, peered):
    agreement, home, _, _ = proposed_here
    version = agreement.versions.get(number=agreement.version)
    response = _send(client, peered, "agreement.approved", {"agreement": str(agreement.pk), "version": version.number,
                                                             "sha256": version.sha256, "institution": {"node": keys.node_id(), "id": str(home.pk)}})
    assert response.status_code == 422 and response.json()["code"] == "not_home"
    assert not AgreementApproval.objects.filter(agreement=agreement).exists() and not InboxMessage.objects.exists()


def test_a_coordinator_here_cannot_approve_for_the_remote_party(client, proposed_here):
    agreement, _, partner, _ = proposed_here
    client.force_login(make_user("root", superuser=True))
    response = client.post(f"/api/v1/agreements/{agreement.pk}/approve", content_type="application/json", data={"institution_id": partner.pk})
    assert response.status_code == 400 and response.json()["code"] == "home_node"


# --------------------------------------------------------------------------- another node is the agreement's home


def _content(local, *, title: str = "Urumqi–Almaty internships") -> dict:
    """An agreement as the remote node hashes it: its college is 7 there, the local college 31 (its mirror there)."""
    condition = {"mobility_type": "student_internship", "sending": 7, "receiving": 31, "isced_code": "0714", "eqf_level": "5",
                 "nqf_level": "5", "places_per_year": 5, "duration": 3, "duration_unit": "months", "language": "zh",
                 "language_framework": "hsk", "language_min_level": "3", "start_year": 2026, "end_year": 2027, "inclusion_support": ""}
    return {"kind": "inter_institutional", "title": title, "reference": "", "summary": "Internships in mechatronics.",
            "start_year": 2026, "end_year": 2028, "initiator": 7, "conditions": [condition],
            "parties": [{"id": 7, "name": "乌鲁木齐职业大学", "name_latin": "Urumqi VU"},
                        {"id": 31, "name": local.name_original, "name_latin": local.name_latin}]}


def _proposal(local, version: int = 1, **changes) -> dict:
    content = _content(local, **changes)
    return {"agreement": "55", "version": version, "sha256": agreement_services.canonical_sha256(content), "content": content,
            "parties": [{"ref": 7, "node": "https://cn.ortaq.example", "id": "7"}, {"ref": 31, "node": keys.node_id(), "id": str(local.pk)}]}


@pytest.fixture
def local_party(peered):
    college = make_institution("Almaty College")
    return college, make_user("almaty", (college, "coordinator"))


def test_a_proposal_from_the_home_node_is_kept_with_the_same_hash_and_shown_to_the_partys_coordinators(client, peered, local_party):
    college, coordinator = local_party
    proposal = _proposal(college)
    answer = _send(client, peered, "agreement.proposed", proposal).json()
    assert answer.get("status") == "accepted", answer
    client.force_login(coordinator)
    [row] = client.get("/api/v1/agreements/").json()["items"]
    assert row["home_node"] == peered.node_id and row["state"] == "proposed" and row["version"] == 1
    detail = client.get(f"/api/v1/agreements/{row['id']}").json()
    assert detail["sha256"] == proposal["sha256"]
    assert {p["id"] for p in detail["parties"]} == {college.pk, _mirror().pk}
    assert (detail["conditions"][0]["sending_id"], detail["conditions"][0]["receiving_id"]) == (_mirror().pk, college.pk)
    assert "Urumqi–Almaty internships" in client.get("/en/agreements/").content.decode()
    assert AuditEvent.objects.filter(action="create", summary=f"from {peered.node_id}").exists()
    assert client.patch(f"/api/v1/agreements/{row['id']}", content_type="application/json", data={"title": "Mine now"}).status_code in (400, 403)


def test_a_proposal_whose_hash_is_not_its_contents_is_refused(client, peered, local_party):
    college, _ = local_party
    proposal = _proposal(college)
    proposal["content"]["summary"] = "Changed on the way."
    response = _send(client, peered, "agreement.proposed", proposal)
    assert response.status_code == 422 and response.json()["code"] == "conflict"
    assert not Agreement.objects.exists() and not InboxMessage.objects.exists()


def test_a_proposal_naming_an_institution_unknown_here_waits_for_the_registry(client, peered, local_party):
    college, _ = local_party
    proposal = _proposal(college)
    proposal["parties"][0]["id"] = "8"
    response = _send(client, peered, "agreement.proposed", proposal)
    assert response.status_code == 409 and response.json()["code"] == "unknown_party"
    assert not Agreement.objects.exists()


def test_the_local_party_approves_here_the_approval_goes_home_and_the_home_state_comes_back(client, peered, local_party):
    college, coordinator = local_party
    proposal = _proposal(college)
    _send(client, peered, "agreement.proposed", proposal)
    copy = Agreement.objects.get(home_node=peered.node_id)
    client.force_login(coordinator)
    response = client.post(f"/api/v1/agreements/{copy.pk}/approve", content_type="application/json", data={"institution_id": college.pk})
    assert response.status_code == 200 and response.json()["state"] == "proposed"  # the home node decides
    sent = OutboxMessage.objects.get(kind="agreement.approved")
    assert sent.peer.node_id == peered.node_id
    assert sent.payload == {"agreement": "55", "version": 1, "sha256": proposal["sha256"], "institution": {"node": keys.node_id(), "id": str(college.pk)}}

    state = {"agreement": "55", "version": 1, "sha256": proposal["sha256"], "state": "approved", "terminated_reason": "",
             "approvals": [{"institution": {"node": peered.node_id, "id": "7"}, "version": 1, "sha256": proposal["sha256"]},
                           {"institution": {"node": keys.node_id(), "id": str(college.pk)}, "version": 1, "sha256": proposal["sha256"]}]}
    message_id = str(uuid.uuid4())
    assert _send(client, peered, "agreement.state", state, message_id).json()["status"] == "accepted"
    assert _send(client, peered, "agreement.state", state, message_id).json()["status"] == "duplicate"
    assert _send(client, peered, "agreement.state", state).json()["status"] == "accepted"
    copy.refresh_from_db()
    assert copy.state == "approved"
    assert sorted(a.institution_id for a in copy.approvals.all()) == sorted([college.pk, _mirror().pk])
    assert client.get(f"/api/v1/agreements/{copy.pk}").json()["state"] == "approved"


def test_only_the_home_node_changes_a_copy(client, peered, local_party, monkeypatch):
    college, _ = local_party
    proposal = _proposal(college)
    _send(client, peered, "agreement.proposed", proposal)
    other = RemoteNode(node_id="https://ru.ortaq.example")  # a third node, trusted here, but not the agreement's home
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    state = {"agreement": "55", "version": 1, "sha256": proposal["sha256"], "state": "approved", "terminated_reason": "", "approvals": []}
    response = _send(client, other, "agreement.state", state)
    assert response.status_code == 422 and response.json()["code"] == "not_home"
    assert Agreement.objects.get().state == "proposed"


def test_a_new_version_from_home_replaces_the_copy_and_voids_its_approvals(client, peered, local_party):
    college, coordinator = local_party
    _send(client, peered, "agreement.proposed", _proposal(college))
    copy = Agreement.objects.get()
    agreement_services.agreement_approve(actor=coordinator, agreement=copy, institution=college)
    second = _proposal(college, version=2, title="Urumqi–Almaty internships, 2026–2028")
    assert _send(client, peered, "agreement.proposed", second).json()["status"] == "accepted"
    assert _send(client, peered, "agreement.proposed", _proposal(college)).json()["status"] == "accepted"  # an old version: no effect
    copy.refresh_from_db()
    assert (copy.version, copy.title, copy.state) == (2, "Urumqi–Almaty internships, 2026–2028", "proposed")
    assert copy.versions.get(number=2).sha256 == second["sha256"]
    assert not copy.approvals.filter(voided_at__isnull=True).exists()


def test_the_web_page_of_a_copy_names_its_home_and_its_approve_button_sends_the_approval_home(client, peered, local_party):
    college, coordinator = local_party
    _send(client, peered, "agreement.proposed", _proposal(college))
    copy = Agreement.objects.get()
    client.force_login(coordinator)
    page = client.get(f"/en/agreements/{copy.pk}/").content.decode()
    assert peered.node_id in page and f"/agreements/{copy.pk}/edit/" not in page
    client.post(f"/en/agreements/{copy.pk}/approve/", {"institution": college.pk})
    assert copy.approvals.get().institution == college
    assert OutboxMessage.objects.get(kind="agreement.approved").payload["institution"] == {"node": keys.node_id(), "id": str(college.pk)}


def test_putting_into_effect_at_home_reaches_the_copy(client, proposed_here, peered):
    agreement, home, partner, coordinator = proposed_here
    agreement_services.agreement_approve(actor=coordinator, agreement=agreement, institution=home)
    version = agreement.versions.get(number=agreement.version)
    _send(client, peered, "agreement.approved", {"agreement": str(agreement.pk), "version": version.number, "sha256": version.sha256,
                                                 "institution": {"node": peered.node_id, "id": "7"}})
    agreement_services.agreement_put_into_effect(actor=coordinator, agreement=agreement)
    last = OutboxMessage.objects.filter(kind="agreement.state").last()
    assert last.peer.node_id == peered.node_id and last.payload["state"] == "in_effect" and len(last.payload["approvals"]) == 2
