"""The host's evaluation and transcript of records cross nodes as a signed credential: once the agreement is signed
by all, the host's staff grade each component and rate each learning outcome on their node (reading the outcomes'
texts the home sent), a coordinator of the host signs them as the host institution's transcript, and the home node
verifies it on arrival and records the results, from which its coordinator opens recognition as for a local host.

The harness (as in test_credentials_across_nodes.py): this process is the learner's home node; the host's node lives
inside a transaction that is rolled back, with SITE_ROOT = the host's node. It receives the home's real outbox
messages, its real services and pages make and sign the transcript, and the test keeps what its outbox sends home.
The rollback leaves the home's database as a second server's would be; the kept messages reach the home's real inbox,
signed with the key of the host's node the home trusts."""

from __future__ import annotations

import copy
import json

import pytest
from django.db import transaction

from ortaq.audit.models import AuditEvent
from ortaq.credentials.verification import verify_document
from ortaq.errors import DomainError
from ortaq.federation import services, transport
from ortaq.federation.models import InboxMessage, InstitutionLink, OutboxMessage
from ortaq.mobility import during
from ortaq.mobility import services as mobility_services
from ortaq.mobility.models import (
    HostTranscript, MobilityAgreementState, OutcomeEvaluation, RemoteMobilityAgreement, RemoteNomination, TranscriptEntry,
)
from ortaq.mobility.remote_services import remote_nomination_decide
from ortaq.notifications.models import Notification
from ortaq.programmes.models import LearningOutcome, Module, Programme
from ortaq.recognition import services as recognition
from tests.conftest import make_institution, make_user
from tests.federation.conftest import RemoteNode, send_from
from tests.federation.test_mobility_agreements_across_nodes import _signed
from tests.federation.test_nominations_across_nodes import home, peered  # noqa: F401

pytestmark = pytest.mark.django_db

HOST_NODE = "https://cn.ortaq.example"  # the peered RemoteNode's id: the host's node


@pytest.fixture
def signed_with_outcomes(client, home, peered):
    """The learner's training agreement with Tianjin VU, one component serving two outcomes of her college's
    programme, accepted by the host's node and signed by all three parties (the host's signature from its node)."""
    programme = Programme.objects.create(code="ALM-MECH", title_en="Mechatronics", isced_code="0714")
    programme.awarding_institutions.set([home["nomination"].application.call.owner])
    module = Module.objects.create(programme=programme, code="M7", order=0, credits=5, title_en="Automation")
    plc = LearningOutcome.objects.create(module=module, code="LO1", text_en="Commission a PLC-controlled line", text_ru="Вводит в эксплуатацию линию с ПЛК",
                                         text_kk="ПЛК басқаратын желіні іске қосады", text_zh="调试PLC控制的生产线")
    safety = LearningOutcome.objects.create(module=module, code="LO2", text_en="Apply electrical safety rules", text_zh="遵守电气安全规则")
    nomination = home["nomination"]
    assert send_from(client, peered, "nomination.decided", {"nomination": str(nomination.pk), "accept": True, "reason": ""}).json()["status"] == "accepted"
    nomination.refresh_from_db()
    agreement = during.mobility_agreement_create(
        actor=home["learner"], nomination=nomination, start_date="2026-09-01", end_date="2026-11-30",
        components=[{"code": "M7", "title": "PLC commissioning", "credits": "5", "hours": "120", "recognition": "Module 7", "outcomes": [plc.pk, safety.pk]},
                    {"code": "S1", "title": "Safety briefing", "credits": "1", "hours": "30", "recognition": "", "outcomes": []}])
    assert send_from(client, peered, "mobility_agreement.signed", _signed(agreement)).json()["status"] == "accepted"
    during.mobility_agreement_sign(actor=home["learner"], agreement=agreement, party="learner")
    during.mobility_agreement_sign(actor=home["coordinator"], agreement=agreement, party="sending")
    agreement.refresh_from_db()
    assert agreement.state == MobilityAgreementState.SIGNED
    return home | {"agreement": agreement, "outcomes": (plc, safety)}


def _to_host(node_home: str) -> list[tuple[str, dict]]:
    """The home's messages about the mobility (the agreement between the colleges is another test's subject)."""
    return [(m.kind, copy.deepcopy(m.payload)) for m in OutboxMessage.objects.filter(peer__node_id=HOST_NODE).order_by("pk")
            if m.kind.startswith(("nomination.", "mobility_agreement."))]


def _host_life(client, settings, monkeypatch, scene, *, grades=(("0", "92", "percent"), ("1", "优秀", "cn_five_band")), send=True) -> dict:
    """The host's node: trusts the home, receives its messages, its coordinator records the results on the page and
    signs and sends the transcript. Everything it wrote is rolled back; kept: its messages home, its page, its ids."""
    from ortaq.federation import keys

    home_id = keys.node_id()
    to_host = _to_host(home_id)
    home_node = RemoteNode(node_id=home_id, institutions=[{"id": str(scene["nomination"].application.call.owner_id), "kind": "college", "country": "KZ",
                                                            "names": {"original": "Алматы колледжі", "latin": "Almaty College (home)"}}])
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: home_node.manifest())
    kept: dict = {}
    settings.SITE_ROOT = HOST_NODE
    try:
        with transaction.atomic():
            services.peer_add(actor=None, url=home_id)
            tianjin = make_institution("天津职业大学", country="CN")
            coordinator = make_user("li.ming", (tianjin, "coordinator"))
            supervisor = make_user("zhang.wei", (tianjin, "company_supervisor"))
            for kind, payload in to_host:
                if kind == "nomination.sent":  # the host's id on its own node (the home names it by the id it mirrored)
                    payload["host"]["id"] = str(tianjin.pk)
                answer = send_from(client, home_node, kind, payload)
                assert answer.status_code == 200, (kind, answer.json())
                if kind == "nomination.sent":
                    remote_nomination_decide(actor=coordinator, nomination=RemoteNomination.objects.get(host=tianjin), accept=True)
            row = RemoteMobilityAgreement.objects.get(nomination__host=tianjin)
            assert row.state == "signed"
            page_url = f"/en/mobility/agreements/remote/{row.pk}/"
            client.force_login(supervisor)  # a company supervisor records results but does not sign for the institution
            for index, grade, scale in grades:
                assert client.post(page_url + "result/", {"component": index, "host_grade": grade, "host_scale": scale}).status_code == 302
            plc, safety = scene["outcomes"]
            assert client.post(page_url + "evaluate/", {"outcome": plc.pk, "rating": "achieved", "comment": "独立完成调试"}).status_code == 302
            assert client.post(page_url + "evaluate/", {"outcome": safety.pk, "rating": "partially"}).status_code == 302
            kept["supervisor_page"] = client.get(page_url).content.decode()
            assert client.post(page_url + "transcript/").status_code in (403, 422)
            client.force_login(coordinator)
            kept["page_before"] = client.get(page_url).content.decode()
            mark = OutboxMessage.objects.order_by("-pk").first().pk
            if send:
                assert client.post(page_url + "transcript/").status_code == 302
            kept["page_after"] = client.get(page_url).content.decode()
            kept["home"] = [(m.kind, copy.deepcopy(m.payload)) for m in OutboxMessage.objects.filter(peer__node_id=home_id, pk__gt=mark).order_by("pk")]
            kept["host_id"] = tianjin.pk
            if send:
                credential = kept["home"][-1][1]["credential"]
                kept["verified_at_host"] = verify_document(credential)
            transaction.set_rollback(True)
    finally:
        settings.SITE_ROOT = "http://testserver"
        client.logout()
    return kept


@pytest.fixture
def from_host(client, settings, monkeypatch, signed_with_outcomes):
    home_root = settings.SITE_ROOT
    kept = _host_life(client, settings, monkeypatch, signed_with_outcomes)
    settings.SITE_ROOT = home_root
    # The harness's ids: on the host's node Tianjin VU has the id its rolled-back life gave it.
    InstitutionLink.objects.filter(peer__node_id=HOST_NODE, remote_id="7").update(remote_id=str(kept["host_id"]))
    return kept


def _deliver(client, peered, messages):
    return [send_from(client, peered, kind, payload) for kind, payload in messages]


def test_the_host_reads_the_outcomes_grades_rates_and_sends_a_signed_transcript_home(from_host, signed_with_outcomes):
    plc, _safety = signed_with_outcomes["outcomes"]
    before, after = from_host["page_before"], from_host["page_after"]
    for shown in ("Evaluation and transcript of records", "Commission a PLC-controlled line", "Apply electrical safety rules",
                  "92", "优秀", "Achieved", "独立完成调试", "Sign and send the transcript of records"):
        assert shown in before, shown
    assert "Sign and send the transcript of records" not in from_host["supervisor_page"]  # a supervisor records, a coordinator signs
    assert 'name="host_grade"' not in after and "Signed as the host institution's transcript of records" in after
    kinds = [kind for kind, _ in from_host["home"]]
    # The host's issuer was made with the transcript: its DID document and status lists go first, then the transcript.
    assert kinds[-1] == "mobility.transcript" and "credentials.issuer" in kinds and kinds.index("credentials.issuer") < kinds.index("mobility.transcript")
    payload = from_host["home"][-1][1]
    agreement = signed_with_outcomes["agreement"]
    assert set(payload) == {"agreement", "version", "sha256", "credential"}
    assert (payload["agreement"], payload["version"], payload["sha256"]) == (str(agreement.pk), 1, agreement.versions.get().sha256)
    credential = payload["credential"]
    assert "ClrCredential" in credential["type"] and credential["issuer"]["id"] == f"did:web:cn.ortaq.example:issuers:{from_host['host_id']}"
    assert [i["identityHash"] for i in credential["credentialSubject"]["identifier"]] == ["Айгерим Сейтова", "Aigerim Seitova"]
    # Verified on the host's node too, and in its register of issued credentials (signed through the one service).
    assert from_host["verified_at_host"]["verified"] is True, from_host["verified_at_host"]["checks"]
    assert {"check": "register", "ok": True} == {k: v for k, v in next(c for c in from_host["verified_at_host"]["checks"] if c["check"] == "register").items() if k != "reason"}
    sent = json.dumps(payload, ensure_ascii=False)
    for private in ("990101400123", "N12345678", "aigerim@example.kz"):
        assert private not in sent


def test_the_home_verifies_the_transcript_records_its_results_and_recognition_opens(client, peered, from_host, signed_with_outcomes):
    agreement, coordinator, learner = signed_with_outcomes["agreement"], signed_with_outcomes["coordinator"], signed_with_outcomes["learner"]
    plc, safety = signed_with_outcomes["outcomes"]
    answers = _deliver(client, peered, from_host["home"])
    assert [a.json().get("status") for a in answers] == ["accepted"] * len(answers), [a.json() for a in answers]
    results = {t.component.code: t for t in TranscriptEntry.objects.filter(agreement=agreement).select_related("component")}
    assert (results["M7"].host_grade, results["M7"].host_scale, results["M7"].home_grade) == ("92", "percent", "A-")
    assert (results["S1"].host_grade, results["S1"].host_scale) == ("优秀", "cn_five_band")
    assert all(t.recorded_by is None and t.recorded_on_node == HOST_NODE for t in results.values())
    ratings = {e.outcome_id: (e.rating, e.comment, e.evaluated_on_node) for e in OutcomeEvaluation.objects.filter(agreement=agreement)}
    assert ratings == {plc.pk: ("achieved", "独立完成调试", HOST_NODE), safety.pk: ("partially", "", HOST_NODE)}
    received = HostTranscript.objects.get(agreement=agreement)
    assert received.node == HOST_NODE and received.credential == from_host["home"][-1][1]["credential"]
    assert AuditEvent.objects.filter(object_type="mobility.hosttranscript", action="create", summary=f"from {HOST_NODE}").exists()
    assert {n.recipient for n in Notification.objects.filter(key="host_transcript_received")} == {coordinator, learner}

    client.force_login(coordinator)
    page = client.get(f"/en/mobility/agreements/{agreement.pk}/").content.decode()
    assert "Evaluated on the host's node https://cn.ortaq.example" in page and "Open recognition" in page
    dossier = recognition.dossier_open(actor=coordinator, mobility_agreement=agreement)
    assert sorted(item.component.code for item in dossier.items.all()) == ["M7", "S1"]
    assert {item.component.code: item.host_grade for item in dossier.items.all()}["M7"] == "92 (percent)"

    # The same transcript again (a new message) changes nothing; a second, different one is refused.
    again = send_from(client, peered, "mobility.transcript", from_host["home"][-1][1])
    assert again.json()["status"] == "accepted" and HostTranscript.objects.count() == 1
    other = copy.deepcopy(from_host["home"][-1][1])
    other["credential"]["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    refused = send_from(client, peered, "mobility.transcript", other)
    assert refused.status_code == 422 and refused.json()["code"] == "conflict"


def test_a_tampered_unknown_or_misdirected_transcript_is_refused_and_changes_nothing(client, peered, from_host, signed_with_outcomes, monkeypatch):
    agreement = signed_with_outcomes["agreement"]
    *issuer_messages, (kind, payload) = from_host["home"]
    # Before the issuer's DID document arrived, the transcript cannot be verified here.
    early = send_from(client, peered, kind, payload)
    assert early.status_code == 400 and early.json()["code"] == "invalid_message"
    _deliver(client, peered, issuer_messages)
    tampered = copy.deepcopy(payload)
    badge = tampered["credential"]["credentialSubject"]["verifiableCredential"][0]
    badge["credentialSubject"]["result"][0]["value"] = "100"
    assert send_from(client, peered, kind, tampered).json()["code"] == "invalid_message"
    for broken, code in (({"agreement": "999999"}, "not_home"), ({"agreement": "x"}, "not_home"), ({"version": 2}, "conflict"),
                         ({"sha256": "0" * 64}, "conflict"), ({"credential": "signed"}, "invalid_message"),
                         ({"credential": {"nested": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}, "invalid_message")):
        response = send_from(client, peered, kind, payload | broken)
        assert response.json()["code"] == code, (broken, response.json())
    # Another trusted node does not speak for this host.
    other = RemoteNode(node_id="https://ru.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: other.manifest())
    services.peer_add(actor=None, url=other.node_id)
    theirs = send_from(client, other, kind, payload)
    assert theirs.status_code == 422 and theirs.json()["code"] == "not_home"
    assert not TranscriptEntry.objects.filter(agreement=agreement).exists() and not HostTranscript.objects.exists()
    assert not InboxMessage.objects.filter(kind="mobility.transcript").exists()


def test_the_outcomes_texts_cross_beside_the_content_not_in_what_is_signed(signed_with_outcomes):
    plc, safety = signed_with_outcomes["outcomes"]
    message = OutboxMessage.objects.filter(kind="mobility_agreement.proposed").order_by("-pk").first()
    assert message.payload["outcome_texts"] == {
        str(plc.pk): {"kk": "ПЛК басқаратын желіні іске қосады", "ru": "Вводит в эксплуатацию линию с ПЛК", "zh": "调试PLC控制的生产线",
                      "en": "Commission a PLC-controlled line"},
        str(safety.pk): {"zh": "遵守电气安全规则", "en": "Apply electrical safety rules"}}
    assert "outcome_texts" not in message.payload["content"]
    assert mobility_services.agreement_content_sha256(message.payload["content"]) == message.payload["sha256"]


def test_the_host_cannot_send_before_every_component_is_graded_and_nothing_goes_home(client, settings, monkeypatch, signed_with_outcomes):
    kept = _host_life(client, settings, monkeypatch, signed_with_outcomes, grades=(("0", "92", "percent"),), send=False)
    assert "Sign and send the transcript of records" not in kept["page_before"]
    assert "To send the transcript, give a grade for: S1." in kept["page_before"]
    assert not [kind for kind, _ in kept["home"] if kind == "mobility.transcript"]


def test_results_of_a_host_on_another_node_are_not_recorded_here_even_by_an_administrator(client, signed_with_outcomes):
    agreement = signed_with_outcomes["agreement"]
    admin = make_user("root", superuser=True)
    plc, _safety = signed_with_outcomes["outcomes"]
    for record in (lambda: during.outcome_evaluate(actor=admin, agreement=agreement, outcome_id=plc.pk, rating="achieved"),
                   lambda: during.transcript_record(actor=admin, agreement=agreement, component=agreement.components.first(), host_grade="90",
                                                    host_scale="percent")):
        with pytest.raises(DomainError) as refused:
            record()
        assert refused.value.code == "home_node"
    client.force_login(admin)
    shown = client.get(f"/en/mobility/agreements/{agreement.pk}/").content.decode()
    for action in (f"/{agreement.pk}/result/", f"/{agreement.pk}/evaluate/", "Sign as Receiving institution", "/en/mobility/logbook/"):
        assert action not in shown, action  # nothing is offered here in the name of a host on another node
    page = client.post(f"/en/mobility/agreements/{agreement.pk}/result/", {"component": agreement.components.first().pk, "host_grade": "90",
                                                                          "host_scale": "percent"})
    assert page.status_code in (400, 409, 422) and "The host&#x27;s node evaluates this mobility" in page.content.decode()
    assert not TranscriptEntry.objects.exists() and not OutcomeEvaluation.objects.exists()
