"""A nomination to a host on another node travels between the nodes: the call's node (its home) sends only what the
host needs to decide and records what it sent about the learner; the host's node keeps it, shows it to the host's
staff beside its local nominations, and sends the decision home, which applies it. Withdrawals follow; redeliveries
change nothing; a node that may not act on a nomination is refused."""

import datetime as dt
import json
import uuid
from types import SimpleNamespace

import pytest

from ortaq.accounts.models import LanguageCertificate
from ortaq.agreements import services as agreement_services
from ortaq.audit.models import AuditEvent
from ortaq.federation import keys, services, transport
from ortaq.federation.models import InboxMessage, OutboxMessage, PersonalDataSent
from ortaq.mobility import acceptance, remote_services, round_services
from ortaq.mobility import services as mobility_services
from ortaq.mobility.models import Nomination, NominationState, RemoteNomination
from ortaq.notifications.models import Notification
from tests.conftest import agreement_terms, condition_terms, make_institution, make_user
from tests.federation.conftest import RemoteNode, send_from
from tests.mobility.conftest import (  # noqa: F401
    agreement_ac_in_effect, application_input, apply_all, call_input, close, enterprise, open_call, published_offer, students,
)

pytestmark = pytest.mark.django_db

REMOTE_COLLEGE = {"id": "7", "kind": "college", "country": "CN", "names": {"original": "天津职业大学", "latin": "Tianjin VU"}}
SENT_KEYS = {"nomination", "host", "sending", "learner", "call", "mobility_type", "academic_year", "field", "period", "answer_by"}


@pytest.fixture
def peered(remote):
    remote.institutions = [REMOTE_COLLEGE]
    services.peer_add(actor=None, url=remote.node_id)
    return remote


def _mirror():
    from ortaq.institutions.models import Institution

    return Institution.objects.get(node__isnull=False, name_latin="Tianjin VU")


_send = send_from


# --------------------------------------------------------------------------- this node is the nomination's home


@pytest.fixture
def home(client, peered, django_capture_on_commit_callbacks):
    """Almaty College (here) and Tianjin VU (on the remote node) agreed on internships; Almaty's call places one
    learner there, and the round is published."""
    college, partner = make_institution("Almaty College"), _mirror()
    coordinator = make_user("almaty", (college, "coordinator"))
    agreement = agreement_services.agreement_create(actor=coordinator, terms=agreement_terms(), initiator=college, parties=[college, partner])
    agreement_services.condition_add(actor=coordinator, agreement=agreement, terms=condition_terms(college, partner))
    agreement_services.agreement_propose(actor=coordinator, agreement=agreement)
    agreement_services.agreement_approve(actor=coordinator, agreement=agreement, institution=college)
    agreement.refresh_from_db()
    version = agreement.versions.get(number=agreement.version)
    answer = _send(client, peered, "agreement.approved", {"agreement": str(agreement.pk), "version": version.number, "sha256": version.sha256,
                                                          "institution": {"node": peered.node_id, "id": "7"}}).json()
    assert answer.get("status") == "accepted", answer
    agreement_services.agreement_put_into_effect(actor=coordinator, agreement=agreement)
    agreement.refresh_from_db()
    call = mobility_services.call_create(actor=coordinator, owner=college, call=call_input(title="Стажировки 2026", written_in="ru"))
    option = mobility_services.call_option_add(actor=coordinator, call=call, condition=agreement.conditions.get(), places=2)
    mobility_services.call_open(actor=coordinator, call=call)
    learner = make_user("aigerim", (college, "student"))
    learner.full_name, learner.full_name_latin = "Айгерим Сейтова", "Aigerim Seitova"
    learner.iin, learner.passport_number, learner.email = "990101400123", "N12345678", "aigerim@example.kz"
    learner.save()
    LanguageCertificate.objects.create(user=learner, language="zh", framework="hsk", level="4")
    call.refresh_from_db()
    application = mobility_services.application_save(actor=learner, call=call, submit=True, option_ids=[option.pk],
                                                     application=application_input(year_of_study=2, grade="88.25", motivation="Mechatronics"))
    close(call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=coordinator, call=call)
    placement_round.refresh_from_db()
    round_services.round_publish(actor=coordinator, placement_round=placement_round)  # its messages wait in the outbox
    return {"college": college, "coordinator": coordinator, "learner": learner, "application": application,
            "nomination": Nomination.objects.get(application=application), "call": call}


def test_a_nomination_to_a_host_on_another_node_sends_only_what_the_host_needs(home, peered):
    [message] = OutboxMessage.objects.filter(kind__startswith="nomination.")
    nomination, learner = home["nomination"], home["learner"]
    assert message.peer.node_id == peered.node_id and nomination.host == _mirror()
    assert set(message.payload) == SENT_KEYS
    assert message.payload["nomination"] == str(nomination.pk)
    assert message.payload["host"] == {"node": peered.node_id, "id": "7"}
    assert message.payload["sending"] == {"node": keys.node_id(), "id": str(home["college"].pk)}
    assert message.payload["learner"] == {"name": "Айгерим Сейтова", "name_latin": "Aigerim Seitova"}
    assert message.payload["call"] == {"title": "Стажировки 2026", "lang": "ru"}
    assert (message.payload["mobility_type"], message.payload["academic_year"], message.payload["field"]) == ("student_internship", 2026, "0714")
    assert message.payload["period"] == {"start": None, "end": None, "duration": 3, "unit": "months"}
    assert message.payload["answer_by"] == nomination.answer_by.isoformat().replace("+00:00", "Z")
    sent = json.dumps(message.payload, ensure_ascii=False)
    for private in ("990101400123", "N12345678", "aigerim@example.kz", "aigerim", "88.25", "Mechatronics", "grade", "score"):
        assert private not in sent
    [record] = PersonalDataSent.objects.all()
    assert (record.person, record.peer, record.message, record.kind) == (learner, message.peer, message, "nomination.sent")
    assert record.fields == ["name", "name_latin", "sending", "host", "call", "mobility_type", "academic_year", "field", "period", "answer_by"]
    assert "Tianjin VU" in record.reason and "decides" in record.reason


def test_the_hosts_decision_from_its_node_is_applied_at_home_once(client, home, peered):
    nomination = home["nomination"]
    decided = {"nomination": str(nomination.pk), "accept": False, "reason": "No places left in the workshop."}
    message_id = str(uuid.uuid4())
    assert _send(client, peered, "nomination.decided", decided, message_id).json()["status"] == "accepted"
    nomination.refresh_from_db()
    assert (nomination.state, nomination.reason, nomination.decided_by) == (NominationState.DECLINED, "No places left in the workshop.", None)
    assert AuditEvent.objects.filter(action="transition", object_id=str(nomination.pk), summary=f"by {peered.node_id}").exists()
    told = set(Notification.objects.filter(key="nomination_decided").values_list("recipient__username", flat=True))
    assert told == {"aigerim", "almaty"}
    # The same message again is a duplicate; a new decision on a nomination no longer pending is a conflict.
    assert _send(client, peered, "nomination.decided", decided, message_id).json()["status"] == "duplicate"
    again = _send(client, peered, "nomination.decided", decided | {"accept": True, "reason": ""})
    assert again.status_code == 422 and again.json()["code"] == "conflict"
    nomination.refresh_from_db()
    assert nomination.state == NominationState.DECLINED


def test_only_the_hosts_node_decides(client, home, peered, monkeypatch):
    other = RemoteNode(node_id="https://ru.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    response = _send(client, other, "nomination.decided", {"nomination": str(home["nomination"].pk), "accept": True, "reason": ""})
    assert response.status_code == 422 and response.json()["code"] == "not_home"
    unknown = _send(client, peered, "nomination.decided", {"nomination": "999999", "accept": True, "reason": ""})
    assert unknown.status_code == 422 and unknown.json()["code"] == "not_home"
    assert Nomination.objects.get().state == NominationState.PENDING and not InboxMessage.objects.filter(kind="nomination.decided").exists()


def test_a_host_here_cannot_decide_a_nomination_to_another_nodes_host(home):
    from ortaq.errors import DomainError

    with pytest.raises(DomainError) as refused:
        round_services.nomination_decide(actor=make_user("root", superuser=True), nomination=home["nomination"], accept=True)
    assert refused.value.code == "home_node"


def test_the_learner_declining_her_placement_withdraws_it_on_the_hosts_node(home, peered):
    nomination = home["nomination"]
    acceptance.placement_answer(actor=home["learner"], nomination=nomination, accept=False)
    [withdrawn] = OutboxMessage.objects.filter(kind="nomination.withdrawn")
    assert withdrawn.peer.node_id == peered.node_id
    assert withdrawn.payload == {"nomination": str(nomination.pk), "reason": "declined"}
    assert PersonalDataSent.objects.count() == 1  # a withdrawal names no one: only the nomination's id at home


def test_a_placement_left_unanswered_lapses_and_is_withdrawn_on_the_hosts_node(home):
    nomination = home["nomination"]
    assert acceptance.placements_lapse(now=nomination.answer_by + dt.timedelta(seconds=1)) == 1
    [withdrawn] = OutboxMessage.objects.filter(kind="nomination.withdrawn")
    assert withdrawn.payload == {"nomination": str(nomination.pk), "reason": "lapsed"}


def test_a_later_round_that_moves_the_learner_up_withdraws_her_nomination_on_the_hosts_node(world, open_call, enterprise, peered, monkeypatch,
                                                                                             django_capture_on_commit_callbacks):
    """The call's internship offer is hosted by a company on the remote node: the third applicant is nominated there
    in round 1, and round 2 moves her up to the agreement's place she ranked first."""
    from ortaq.federation.models import InstitutionLink, Peer
    from ortaq.institutions.models import Institution

    monkeypatch.setattr(services, "deliver_to_peer", SimpleNamespace(enqueue=lambda *args, **kwargs: None))  # delivery is not under test
    company, _supervisor = enterprise
    Institution.objects.filter(pk=company.pk).update(node=peered.node_id)
    InstitutionLink.objects.create(peer=Peer.objects.get(node_id=peered.node_id), remote_id="9", institution=company)
    applications, condition_option, offer_option = apply_all(open_call, students(world, 4), [95, 80, 70, 60])
    close(open_call)

    def publish():
        with django_capture_on_commit_callbacks(execute=True):
            placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
        placement_round.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)

    publish()
    third = applications[2]
    first_placement = third.nominations.get()
    [sent] = OutboxMessage.objects.filter(kind="nomination.sent")
    assert first_placement.option_id == offer_option.pk and sent.payload["nomination"] == str(first_placement.pk)
    assert sent.payload["host"] == {"node": peered.node_id, "id": "9"} and sent.payload["period"]["start"] == "2026-03-01"
    top = applications[0].nominations.get()
    acceptance.placement_answer(actor=applications[0].applicant, nomination=top, accept=False)  # a local host: nothing crosses
    assert not OutboxMessage.objects.filter(kind="nomination.withdrawn").exists()

    publish()
    first_placement.refresh_from_db()
    assert first_placement.state == NominationState.DECLINED
    [withdrawn] = OutboxMessage.objects.filter(kind="nomination.withdrawn")
    assert withdrawn.payload == {"nomination": str(first_placement.pk), "reason": "superseded"}
    assert OutboxMessage.objects.filter(kind="nomination.sent").count() == 1 + (applications[3].nominations.filter(option=offer_option).count())


def test_the_learners_profile_lists_what_was_sent_and_why_and_nobody_elses(client, home, peered):
    client.force_login(home["learner"])
    page = client.get("/en/accounts/profile/").content.decode()
    assert "What was sent about you to other nodes" in page
    assert "China node" in page and peered.node_id in page
    assert "your name in original script" in page and "your name in Latin script" in page and "the call&#x27;s title" in page
    assert "the host needs this to accept or decline you" in page and "Tianjin VU" in page
    client.force_login(home["coordinator"])
    other = client.get("/en/accounts/profile/").content.decode()
    assert "What was sent about you to other nodes" in other and "Nothing has been sent about you to another node." in other
    assert "your name in original script" not in other and peered.node_id not in other


# --------------------------------------------------------------------------- another node is the nomination's home


@pytest.fixture
def host(peered):
    college = make_institution("Almaty College")
    coordinator = make_user("almaty", (college, "coordinator"))
    return college, coordinator


def _nomination_sent(college, home_id: str = "41", **changes) -> dict:
    return {"nomination": home_id, "host": {"node": keys.node_id(), "id": str(college.pk)}, "sending": {"node": "https://cn.ortaq.example", "id": "7"},
            "learner": {"name": "王芳", "name_latin": "Wang Fang"}, "call": {"title": "赴哈萨克斯坦实习 2026", "lang": "zh"},
            "mobility_type": "student_internship", "academic_year": 2026, "field": "0714",
            "period": {"start": "2026-09-01", "end": "2026-11-30", "duration": None, "unit": ""},
            "answer_by": "2026-12-10T12:00:00Z"} | changes


def test_a_nomination_from_another_node_is_kept_and_shown_to_the_hosts_staff_only(client, peered, host):
    college, coordinator = host
    message_id = str(uuid.uuid4())
    assert _send(client, peered, "nomination.sent", _nomination_sent(college), message_id).json()["status"] == "accepted"
    row = RemoteNomination.objects.get()
    assert (row.home_node, row.home_id, row.host, row.sending) == (peered.node_id, "41", college, _mirror())
    assert (row.learner_name, row.learner_name_latin, row.call_title, row.call_language) == ("王芳", "Wang Fang", "赴哈萨克斯坦实习 2026", "zh")
    assert (row.state, str(row.start_date), str(row.end_date), row.isced_code) == ("pending", "2026-09-01", "2026-11-30", "0714")
    assert Notification.objects.get(key="remote_nomination_received").recipient == coordinator
    assert AuditEvent.objects.filter(action="create", summary=f"from {peered.node_id}").exists()

    client.force_login(coordinator)
    assert 'href="/en/mobility/"' in client.get("/en/").content.decode()  # from the home page to mobility, then its nominations
    home_page = client.get("/en/mobility/").content.decode()
    assert "/en/mobility/nominations/" in home_page
    page = client.get("/en/mobility/nominations/").content.decode()
    assert "Nominations from other nodes" in page and "王芳 (Wang Fang)" in page and "赴哈萨克斯坦实习 2026" in page
    assert "天津职业大学" in page and peered.node_id in page and f"/en/mobility/nominations/remote/{row.pk}/" in page

    stranger = make_user("shymkent", (make_institution("Shymkent College"), "coordinator"))
    client.force_login(stranger)
    assert "王芳" not in client.get("/en/mobility/nominations/").content.decode()
    assert client.post(f"/en/mobility/nominations/remote/{row.pk}/", {"decision": "accept"}).status_code == 404
    assert RemoteNomination.objects.get().state == "pending"

    # The same message again, and the same nomination in a new message: nothing changes.
    assert _send(client, peered, "nomination.sent", _nomination_sent(college), message_id).json()["status"] == "duplicate"
    renamed = _nomination_sent(college, learner={"name": "Someone else", "name_latin": ""})
    assert _send(client, peered, "nomination.sent", renamed).json()["status"] == "accepted"
    assert RemoteNomination.objects.count() == 1 and RemoteNomination.objects.get().learner_name == "王芳"
    assert Notification.objects.filter(key="remote_nomination_received").count() == 1


def test_many_nominations_from_another_node_are_paged_and_show_their_duration_in_the_readers_language(client, peered, host):
    college, coordinator = host
    for number in range(30):  # more than a page: a national round can send thousands to one host
        period = {"start": None, "end": None, "duration": 3, "unit": "months"}
        assert _send(client, peered, "nomination.sent", _nomination_sent(college, str(number), period=period)).json()["status"] == "accepted"
    client.force_login(coordinator)
    home = client.get("/en/").content.decode()  # the home inbox counts them all and leads to the list
    assert "Nominations from other nodes to accept or decline" in home and "30" in home and 'href="/en/mobility/nominations/"' in home
    first = client.get("/en/mobility/nominations/").content.decode()
    assert first.count("/en/mobility/nominations/remote/") == 25 and "remote_page=2" in first and "3 months" in first
    second = client.get("/en/mobility/nominations/?remote_page=2").content.decode()
    assert second.count("/en/mobility/nominations/remote/") == 5
    assert "3 ай" in client.get("/kk/mobility/nominations/").content.decode()


def test_the_host_declines_with_a_reason_and_the_decision_goes_home(client, peered, host):
    college, coordinator = host
    _send(client, peered, "nomination.sent", _nomination_sent(college))
    row = RemoteNomination.objects.get()
    client.force_login(coordinator)
    refused = client.post(f"/en/mobility/nominations/remote/{row.pk}/", {"decision": "decline", "reason": "  "})
    assert refused.status_code == 422 and "Give the reason for declining." in refused.content.decode()
    assert RemoteNomination.objects.get().state == "pending" and not OutboxMessage.objects.filter(kind="nomination.decided").exists()

    response = client.post(f"/en/mobility/nominations/remote/{row.pk}/", {"decision": "decline", "reason": "The workshop is closed in autumn."})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.state, row.reason, row.decided_by) == ("declined", "The workshop is closed in autumn.", coordinator)
    [decided] = OutboxMessage.objects.filter(kind="nomination.decided")
    assert decided.peer.node_id == peered.node_id
    assert decided.payload == {"nomination": "41", "accept": False, "reason": "The workshop is closed in autumn."}
    assert AuditEvent.objects.filter(action="transition", actor=coordinator, object_id=str(row.pk)).exists()
    # Decided: no form any more, and a second decision is refused.
    assert f"/en/mobility/nominations/remote/{row.pk}/" not in client.get("/en/mobility/nominations/").content.decode()
    assert client.post(f"/en/mobility/nominations/remote/{row.pk}/", {"decision": "accept"}).status_code == 400
    assert OutboxMessage.objects.filter(kind="nomination.decided").count() == 1


def test_the_host_accepts_and_a_later_withdrawal_from_home_stops_the_wait(client, peered, host):
    college, coordinator = host
    _send(client, peered, "nomination.sent", _nomination_sent(college))
    row = RemoteNomination.objects.get()
    remote_services.remote_nomination_decide(actor=coordinator, nomination=row, accept=True)
    assert OutboxMessage.objects.get(kind="nomination.decided").payload == {"nomination": "41", "accept": True, "reason": ""}
    assert _send(client, peered, "nomination.withdrawn", {"nomination": "41", "reason": "superseded"}).json()["status"] == "accepted"
    row.refresh_from_db()
    assert (row.state, row.reason) == ("withdrawn", "superseded")
    assert Notification.objects.get(key="remote_nomination_withdrawn").recipient == coordinator
    client.force_login(coordinator)
    assert "A later round placed the learner at an option ranked higher." in client.get("/en/mobility/nominations/").content.decode()


def test_refusals_of_a_nomination_that_does_not_hold_here(client, peered, host, monkeypatch):
    college, _ = host
    unknown = _send(client, peered, "nomination.sent", _nomination_sent(college, sending={"node": peered.node_id, "id": "8"}))
    assert unknown.status_code == 409 and unknown.json()["code"] == "unknown_party"
    not_hosted = _send(client, peered, "nomination.sent", _nomination_sent(college, host={"node": peered.node_id, "id": "7"}))
    assert not_hosted.status_code == 422 and not_hosted.json()["code"] == "conflict"
    theirs = _send(client, peered, "nomination.sent", _nomination_sent(college, sending={"node": keys.node_id(), "id": str(college.pk)}))
    assert theirs.status_code == 422 and theirs.json()["code"] == "not_home"
    for broken in ({"learner": "王芳"}, {"learner": {"name": ""}}, {"nomination": 41}, {"answer_by": "tomorrow"}, {"academic_year": "2026"}):
        response = _send(client, peered, "nomination.sent", _nomination_sent(college, **broken))
        assert response.status_code == 400 and response.json()["code"] == "invalid_message", broken
    assert not RemoteNomination.objects.exists() and not InboxMessage.objects.exists()

    # Another trusted node cannot withdraw a nomination it did not send.
    _send(client, peered, "nomination.sent", _nomination_sent(college))
    other = RemoteNode(node_id="https://ru.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    response = _send(client, other, "nomination.withdrawn", {"nomination": "41", "reason": "lapsed"})
    assert response.status_code == 422 and response.json()["code"] == "not_home"
    assert RemoteNomination.objects.get().state == "pending"
