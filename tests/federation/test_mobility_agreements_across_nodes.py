"""A learning or training agreement whose receiving party is on another node is signed by parties on both nodes: the
nomination's home node sends each version to sign (its content exactly as hashed, recorded as personal data sent
about the learner), the host's staff read and sign it on their node, the signature comes home and counts as the
receiving party's, and the home sends back the state it records. Stale, tampered, misdirected and redelivered
messages change nothing."""

import hashlib
import json
import uuid

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError
from ortaq.federation import services, transport
from ortaq.federation.models import InboxMessage, OutboxMessage, PersonalDataSent
from ortaq.mobility import during
from ortaq.mobility import services as mobility_services
from ortaq.mobility.models import MobilityAgreementState, RemoteMobilityAgreement, RemoteNomination, Signature
from ortaq.mobility.remote_services import remote_nomination_decide
from ortaq.notifications.models import Notification
from tests.conftest import make_institution, make_user
from tests.federation.conftest import RemoteNode
from tests.federation.test_nominations_across_nodes import _nomination_sent, _send, home, host, peered  # noqa: F401
from tests.mobility.test_api import api

pytestmark = pytest.mark.django_db

PROPOSED_KEYS = {"agreement", "nomination", "version", "sha256", "content", "signatures", "outcome_texts"}
COMPONENTS = [{"code": "M7", "title": "PLC commissioning", "credits": "5", "hours": "120", "recognition": "Module 7: automation", "outcomes": []}]


def _canonical_sha256(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


# --------------------------------------------------------------------------- this node is the nomination's home


@pytest.fixture
def drafted(client, home, peered):
    """The host's node accepted the nomination; the learner drafts her training agreement here."""
    nomination = home["nomination"]
    answer = _send(client, peered, "nomination.decided", {"nomination": str(nomination.pk), "accept": True, "reason": ""}).json()
    assert answer["status"] == "accepted", answer
    nomination.refresh_from_db()
    agreement = during.mobility_agreement_create(actor=home["learner"], nomination=nomination, start_date="2026-09-01", end_date="2026-11-30",
                                                 components=COMPONENTS)
    return home | {"agreement": agreement}


def _signed(agreement, *, version: int | None = None, sha256: str | None = None, **changes) -> dict:
    current = agreement.versions.get(number=agreement.version)
    return {"agreement": str(agreement.pk), "version": version or current.number, "sha256": sha256 or current.sha256, "party": "receiving",
            "signer": {"name": "李明", "role": "coordinator"}} | changes


def test_each_version_to_sign_goes_to_the_hosts_node_with_its_content_as_hashed(drafted, peered):
    agreement, learner = drafted["agreement"], drafted["learner"]
    [message] = OutboxMessage.objects.filter(kind__startswith="mobility_agreement.")
    assert (message.kind, message.peer.node_id) == ("mobility_agreement.proposed", peered.node_id)
    assert set(message.payload) == PROPOSED_KEYS
    version = agreement.versions.get()
    assert message.payload["agreement"] == str(agreement.pk) and message.payload["nomination"] == str(drafted["nomination"].pk)
    assert (message.payload["version"], message.payload["sha256"], message.payload["signatures"]) == (1, version.sha256, [])
    assert message.payload["content"] == version.content and _canonical_sha256(message.payload["content"]) == version.sha256
    assert set(message.payload["content"]) == {"kind", "start_date", "end_date", "weekly_hours", "components"}
    assert message.payload["content"]["components"][0]["title"] == "PLC commissioning"
    sent = json.dumps(message.payload, ensure_ascii=False)
    for private in ("990101400123", "N12345678", "aigerim", "Айгерим", "88.25", "Mechatronics"):
        assert private not in sent  # the content names no one: the host knows her from the nomination
    record = PersonalDataSent.objects.get(kind="mobility_agreement.proposed")
    assert (record.person, record.peer, record.message) == (learner, message.peer, message)
    assert record.fields == ["kind", "start_date", "end_date", "weekly_hours", "components"]
    assert "receiving party" in record.reason and "Tianjin VU" in record.reason


def test_the_hosts_signature_from_its_node_counts_and_the_agreement_is_signed_by_all(client, drafted, peered):
    agreement, learner, coordinator = drafted["agreement"], drafted["learner"], drafted["coordinator"]
    message_id = str(uuid.uuid4())
    answer = _send(client, peered, "mobility_agreement.signed", _signed(agreement), message_id)
    assert answer.json()["status"] == "accepted", answer.json()
    signature = Signature.objects.get(agreement=agreement)
    assert (signature.party, signature.version, signature.signed_by, signature.signed_on_node, signature.signer_name) == \
        ("receiving", 1, None, peered.node_id, "李明")
    assert AuditEvent.objects.filter(action="approve", object_id=str(agreement.pk), summary=f"李明 on {peered.node_id}").exists()
    assert set(Notification.objects.filter(key="agreement_signed").values_list("recipient__username", flat=True)) == {"aigerim", "almaty"}
    [state] = OutboxMessage.objects.filter(kind="mobility_agreement.state")
    assert state.payload == {"agreement": str(agreement.pk), "version": 1, "sha256": signature.sha256, "state": "signing",
                             "signatures": [{"party": "receiving", "version": 1, "sha256": signature.sha256}]}
    client.force_login(learner)
    page = client.get(f"/en/mobility/agreements/{agreement.pk}/").content.decode()
    assert f"signed on {peered.node_id} by 李明" in page
    assert 'value="receiving"' not in page  # nobody here signs for a host on another node
    read = api(learner, "get", f"/agreements/{agreement.pk}").json()  # the REST API says the same
    assert read["signatures"] == [{"party": "receiving", "version": 1, "sha256": signature.sha256, "signed_by_id": None,
                                   "signed_on_node": peered.node_id, "signer_name": "李明", "signed_at": read["signatures"][0]["signed_at"]}]

    # The same message again changes nothing; the learner and her coordinator sign here, and it is signed by all.
    assert _send(client, peered, "mobility_agreement.signed", _signed(agreement), message_id).json()["status"] == "duplicate"
    during.mobility_agreement_sign(actor=learner, agreement=agreement, party="learner")
    during.mobility_agreement_sign(actor=coordinator, agreement=agreement, party="sending")
    agreement.refresh_from_db()
    assert agreement.state == MobilityAgreementState.SIGNED and Signature.objects.filter(agreement=agreement).count() == 3
    assert Notification.objects.filter(key="agreement_signed_by_all", recipient=learner).exists()
    states = list(OutboxMessage.objects.filter(kind="mobility_agreement.state").order_by("id"))
    assert [m.payload["state"] for m in states] == ["signing", "signing", "signed"] and len(states[-1].payload["signatures"]) == 3


def test_nobody_here_signs_for_the_receiving_party_on_another_node(drafted):
    with pytest.raises(DomainError) as refused:
        during.mobility_agreement_sign(actor=make_user("root", superuser=True), agreement=drafted["agreement"], party="receiving")
    assert refused.value.code == "home_node"
    assert not Signature.objects.exists()


def test_refusals_of_a_signature_that_does_not_hold_here(client, drafted, peered, monkeypatch):
    agreement = drafted["agreement"]
    other = RemoteNode(node_id="https://ru.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    wrong_node = _send(client, other, "mobility_agreement.signed", _signed(agreement))
    assert wrong_node.status_code == 422 and wrong_node.json()["code"] == "not_home"
    unknown = _send(client, peered, "mobility_agreement.signed", _signed(agreement) | {"agreement": "999999"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "not_home"
    tampered = _send(client, peered, "mobility_agreement.signed", _signed(agreement, sha256="0" * 64))
    assert tampered.status_code == 422 and tampered.json()["code"] == "conflict"
    for broken in ({"party": "sending"}, {"signer": {"name": "", "role": "coordinator"}}, {"signer": {"name": "李明", "role": "rector"}}, {"version": "1"}):
        response = _send(client, peered, "mobility_agreement.signed", _signed(agreement, **broken))
        assert response.status_code == 400 and response.json()["code"] == "invalid_message", broken
    assert not Signature.objects.exists() and not InboxMessage.objects.filter(kind="mobility_agreement.signed").exists()


def test_the_home_refuses_a_signature_of_an_agreement_without_components(client, home, peered):
    nomination = home["nomination"]
    _send(client, peered, "nomination.decided", {"nomination": str(nomination.pk), "accept": True, "reason": ""})
    nomination.refresh_from_db()
    empty = during.mobility_agreement_create(actor=home["learner"], nomination=nomination, start_date="2026-09-01", end_date="2026-11-30",
                                             components=[])
    refused = _send(client, peered, "mobility_agreement.signed", _signed(empty))
    assert refused.status_code == 422 and refused.json()["code"] == "conflict" and not Signature.objects.exists()


def test_a_signature_of_a_replaced_version_is_audited_and_has_no_effect(client, drafted, peered):
    agreement = drafted["agreement"]
    first = agreement.versions.get()
    during.mobility_agreement_edit(actor=drafted["learner"], agreement=agreement, expected_version=1,
                                   components=[COMPONENTS[0] | {"hours": "160"}])
    agreement.refresh_from_db()
    proposed = list(OutboxMessage.objects.filter(kind="mobility_agreement.proposed").order_by("id"))
    assert [m.payload["version"] for m in proposed] == [1, 2] and PersonalDataSent.objects.count() == 3  # nomination + two versions
    stale = _send(client, peered, "mobility_agreement.signed", _signed(agreement, version=1, sha256=first.sha256))
    assert stale.json()["status"] == "accepted"
    assert not Signature.objects.exists() and agreement.state == MobilityAgreementState.DRAFT
    assert AuditEvent.objects.filter(action="approve", object_id=str(agreement.pk), summary=f"stale signature from {peered.node_id}").exists()
    assert _send(client, peered, "mobility_agreement.signed", _signed(agreement)).json()["status"] == "accepted"
    assert Signature.objects.get().version == 2


# --------------------------------------------------------------------------- this node hosts the receiving party


CONTENT = {"kind": "training", "start_date": "2026-09-01", "end_date": "2026-11-30", "weekly_hours": 30,
           "components": [{"code": "C1", "title": "装配线调试", "credits": "5.0", "hours": 120, "recognition": "Module 7", "outcomes": [3, 5]}]}


def _proposed(content: dict = CONTENT, version: int = 1, **changes) -> dict:
    return {"agreement": "55", "nomination": "41", "version": version, "sha256": mobility_services.agreement_content_sha256(content),
            "content": content, "signatures": []} | changes


@pytest.fixture
def accepted(client, peered, host):
    college, coordinator = host
    _send(client, peered, "nomination.sent", _nomination_sent(college))
    remote_nomination_decide(actor=coordinator, nomination=RemoteNomination.objects.get(), accept=True)
    return college, coordinator


def test_a_version_from_home_is_shown_to_the_hosts_staff_who_sign_it_there(client, peered, accepted):
    college, coordinator = accepted
    assert mobility_services.agreement_content_sha256(CONTENT) == _canonical_sha256(CONTENT)
    assert _send(client, peered, "mobility_agreement.proposed", _proposed()).json()["status"] == "accepted"
    row = RemoteMobilityAgreement.objects.get()
    assert (row.home_id, row.version, row.sha256, row.content, row.nomination) == ("55", 1, _canonical_sha256(CONTENT), CONTENT, RemoteNomination.objects.get())
    assert Notification.objects.get(key="remote_agreement_received").recipient == coordinator
    assert AuditEvent.objects.filter(action="create", object_id=str(row.pk), summary=f"from {peered.node_id}").exists()

    client.force_login(coordinator)
    nominations = client.get("/en/mobility/nominations/").content.decode()
    assert "Learning/training agreement to sign" in nominations and f"/en/mobility/agreements/remote/{row.pk}/" in nominations
    page = client.get(f"/en/mobility/agreements/remote/{row.pk}/").content.decode()
    for shown in ("王芳 (Wang Fang)", "装配线调试", "C1", "5.0", "120", "Module 7", "#3, #5", "2026-09-01", row.sha256, "Sign as Receiving institution"):
        assert shown in page, shown

    stranger = make_user("shymkent", (make_institution("Shymkent College"), "coordinator"))
    client.force_login(stranger)
    assert client.get(f"/en/mobility/agreements/remote/{row.pk}/").status_code == 404
    assert client.post(f"/en/mobility/agreements/remote/{row.pk}/sign/", {"version": "1"}).status_code == 404

    client.force_login(coordinator)
    assert client.post(f"/en/mobility/agreements/remote/{row.pk}/sign/", {"version": "1"}).status_code == 302
    row.refresh_from_db()
    assert (row.signed_version, row.signed_by) == (1, coordinator)
    [signed] = OutboxMessage.objects.filter(kind="mobility_agreement.signed")
    assert signed.peer.node_id == peered.node_id
    assert signed.payload == {"agreement": "55", "version": 1, "sha256": row.sha256, "party": "receiving",
                              "signer": {"name": coordinator.full_name or coordinator.get_full_name() or "almaty", "role": "coordinator"}}
    assert PersonalDataSent.objects.get(kind="mobility_agreement.signed").person == coordinator
    assert AuditEvent.objects.filter(action="approve", actor=coordinator, object_id=str(row.pk)).exists()
    assert client.post(f"/en/mobility/agreements/remote/{row.pk}/sign/", {"version": "1"}).status_code == 400  # once a version
    assert OutboxMessage.objects.filter(kind="mobility_agreement.signed").count() == 1

    # The home records it and sends its state: the copy shows the receiving party's signature.
    state = {"agreement": "55", "version": 1, "sha256": row.sha256, "state": "signing",
             "signatures": [{"party": "receiving", "version": 1, "sha256": row.sha256}]}
    assert _send(client, peered, "mobility_agreement.state", state).json()["status"] == "accepted"
    row.refresh_from_db()
    assert (row.state, row.signed_parties) == ("signing", ["receiving"])
    page = client.get(f"/en/mobility/agreements/remote/{row.pk}/").content.decode()
    assert "Receiving institution: ✔" in page and "Sign as Receiving institution" not in page

    # A new version after an approved change: the host signs again.
    changed = CONTENT | {"weekly_hours": 35}
    assert _send(client, peered, "mobility_agreement.proposed", _proposed(changed, version=2)).json()["status"] == "accepted"
    row.refresh_from_db()
    assert (row.version, row.content["weekly_hours"]) == (2, 35)
    assert "Sign as Receiving institution" in client.get(f"/en/mobility/agreements/remote/{row.pk}/").content.decode()
    stale = client.post(f"/en/mobility/agreements/remote/{row.pk}/sign/", {"version": "1"})
    assert stale.status_code == 409 and RemoteMobilityAgreement.objects.get().signed_version == 1
    # An older version arriving late changes nothing.
    assert _send(client, peered, "mobility_agreement.proposed", _proposed()).json()["status"] == "accepted"
    row.refresh_from_db()
    assert (row.version, row.content["weekly_hours"]) == (2, 35)


def test_the_host_cannot_sign_a_version_without_components(client, peered, accepted):
    _college, coordinator = accepted
    empty = CONTENT | {"components": []}
    assert _send(client, peered, "mobility_agreement.proposed", _proposed(empty)).json()["status"] == "accepted"
    row = RemoteMobilityAgreement.objects.get()
    client.force_login(coordinator)
    page = client.get(f"/en/mobility/agreements/remote/{row.pk}/").content.decode()
    assert "No components yet." in page and "Sign as Receiving institution" not in page
    assert client.post(f"/en/mobility/agreements/remote/{row.pk}/sign/", {"version": "1"}).status_code == 400
    assert not OutboxMessage.objects.filter(kind="mobility_agreement.signed").exists()


def test_refusals_of_a_version_that_does_not_hold_here(client, peered, host, monkeypatch):
    college, coordinator = host
    _send(client, peered, "nomination.sent", _nomination_sent(college))
    pending = _send(client, peered, "mobility_agreement.proposed", _proposed())
    assert pending.status_code == 422 and pending.json()["code"] == "conflict"  # the host has not accepted the nomination yet
    remote_nomination_decide(actor=coordinator, nomination=RemoteNomination.objects.get(), accept=True)
    tampered = _send(client, peered, "mobility_agreement.proposed", _proposed(sha256="0" * 64))
    assert tampered.status_code == 422 and tampered.json()["code"] == "conflict"
    changed = _send(client, peered, "mobility_agreement.proposed", _proposed() | {"content": CONTENT | {"weekly_hours": 60}})
    assert changed.status_code == 422 and changed.json()["code"] == "conflict"
    unknown = _send(client, peered, "mobility_agreement.proposed", _proposed(nomination="42"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "not_home"
    for broken in ({"content": "text"}, {"content": CONTENT | {"start_date": "soon"}}, {"version": "1"}, {"nomination": 41}):
        response = _send(client, peered, "mobility_agreement.proposed", _proposed() | broken)
        assert response.status_code == 400 and response.json()["code"] == "invalid_message", broken
    other = RemoteNode(node_id="https://ru.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    theirs = _send(client, other, "mobility_agreement.proposed", _proposed())
    assert theirs.status_code == 422 and theirs.json()["code"] == "not_home"
    assert not RemoteMobilityAgreement.objects.exists() and not InboxMessage.objects.filter(kind__startswith="mobility_agreement.").exists()

    # A state for an agreement not held here, or for a version the copy does not hold.
    assert _send(client, peered, "mobility_agreement.proposed", _proposed()).json()["status"] == "accepted"
    sha = RemoteMobilityAgreement.objects.get().sha256
    no_copy = _send(client, peered, "mobility_agreement.state", {"agreement": "56", "version": 1, "sha256": sha, "state": "signing", "signatures": []})
    assert no_copy.status_code == 422 and no_copy.json()["code"] == "not_home"
    ahead = _send(client, peered, "mobility_agreement.state", {"agreement": "55", "version": 2, "sha256": sha, "state": "signing", "signatures": []})
    assert ahead.status_code == 422 and ahead.json()["code"] == "conflict"
    assert RemoteMobilityAgreement.objects.get().state == "draft"
    # The same version with another content is refused.
    assert _send(client, peered, "mobility_agreement.proposed", _proposed(CONTENT | {"weekly_hours": 20}, version=1)).status_code == 422
    assert RemoteMobilityAgreement.objects.get().content == CONTENT
