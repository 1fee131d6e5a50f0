"""A credential issued on one node verifies on every peer, which holds its issuers' did:web documents and status
lists as their home node sent them (`credentials.issuer`, `credentials.status_list`) and never calls anyone to
verify.

The harness: two nodes in one process and one test database. Node A (the Kazakh node, the issuers' home) lives
inside a transaction that is rolled back: with SITE_ROOT = A it trusts B, its real services make the issuers, sign
the credential and revoke it, and the test keeps the credential and the outbox messages for B, in their order.
Rolling back leaves B's database as if A's rows had never been there (B has no issuer, key, status list or credential
of A's), which is what a second server with its own database would have. Then, with SITE_ROOT = B, B trusts A (a
RemoteNode with node id A signs the kept messages exactly as A's outbox would send them) and the messages reach B's
real inbox. The institutions and people of the fixtures stay in the shared database, unused by B's verification.
(Two real servers exchanging messages: test_two_nodes.py.)"""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
import urllib.request
from urllib.parse import unquote
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction

import ortaq.engines.credentials as creds

from ortaq.audit.models import AuditEvent
from ortaq.credentials import issuance
from ortaq.credentials import services as credential_services
from ortaq.credentials.keys import did_document, issuer_ensure, key_rotate
from ortaq.credentials.models import IssuedCredential, RemoteIssuerDocument, RemoteStatusList
from ortaq.credentials.verification import verify_document
from ortaq.federation import services, transport
from ortaq.federation.models import InboxMessage, OutboxMessage
from tests.credentials.conftest import joint_programme  # noqa: F401 (the fixture: a programme three issuers award)
from tests.federation.conftest import RemoteNode, post_inbox

pytestmark = pytest.mark.django_db

NODE_A = "https://kz.ortaq.example"  # the issuers' home
NODE_B = "https://cn.ortaq.example"  # the peer that verifies
HOST_A = "kz.ortaq.example"


@dataclass
class NamedNode(RemoteNode):
    name: str = "Kazakhstan node"

    def manifest(self) -> dict:
        return super().manifest() | {"name": self.name}


@pytest.fixture
def network(settings, monkeypatch):
    """This process is node B unless a test runs as A; both nodes' manifests, as `peer add` fetches them; A's
    node key signs what A's outbox sends to B."""
    settings.SITE_ROOT = NODE_B
    nodes = {NODE_A: NamedNode(node_id=NODE_A, name="Kazakhstan node"), NODE_B: NamedNode(node_id=NODE_B, name="China node")}
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: nodes[url.rstrip("/")].manifest())
    return nodes


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test (what verification must never do)."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network call during verification: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def outbox_for_b(after: int = 0) -> list[tuple[str, dict]]:
    return [(m.kind, copy.deepcopy(m.payload)) for m in OutboxMessage.objects.filter(peer__node_id=NODE_B, pk__gt=after).order_by("pk")]


def last_outbox_pk() -> int:
    last = OutboxMessage.objects.order_by("-pk").first()
    return last.pk if last else 0


def on_node_a(settings, life: Callable[[], dict]) -> dict:
    """Run `life` as node A (SITE_ROOT = A) and roll everything it wrote back; returns what it kept."""
    settings.SITE_ROOT = NODE_A
    try:
        with transaction.atomic():
            kept = life()
            transaction.set_rollback(True)
    finally:
        settings.SITE_ROOT = NODE_B
    return kept


def deliver(client, sender: RemoteNode, messages: list[tuple[str, dict]]) -> list:
    answers = []
    for kind, payload in messages:
        body = sender.message(kind, payload)
        answers.append(post_inbox(client, body, sender.signed_headers(body)))
    return answers


def issue_diploma(joint_programme) -> IssuedCredential:
    programme, _joint, registrar, graduates = joint_programme
    return issuance.diploma_issue(actor=registrar, programme=programme, holder=graduates[0], graduation_date=dt.date(2026, 6, 30))


def trust_a(network) -> None:
    services.peer_add(actor=None, url=NODE_A)


@pytest.fixture
def from_a(settings, network, joint_programme):
    """Node A's life: trusts B, issues a dual diploma (three issuers co-sign it), then revokes it. Kept: the
    diploma, the messages for B after issuing, the messages for B after the revocation."""
    def life() -> dict:
        services.peer_add(actor=None, url=NODE_B)
        diploma = issue_diploma(joint_programme)
        issued = outbox_for_b()
        mark = last_outbox_pk()
        credential_services.credential_set_state(actor=joint_programme[2], credential=diploma, state="revoked", reason="issued in error")
        return {"diploma": copy.deepcopy(diploma.document), "issued": issued, "revoked": outbox_for_b(after=mark)}

    return on_node_a(settings, life)


# --------------------------------------------------------------------------- what the home node sends


def test_issuing_sends_each_issuers_did_document_and_status_lists_to_every_peer(from_a):
    kinds = [kind for kind, _payload in from_a["issued"]]
    dids = sorted({p["document"]["id"] for k, p in from_a["issued"] if k == "credentials.issuer"})
    signers = sorted({proof["verificationMethod"].split("#")[0] for proof in from_a["diploma"]["proof"]})
    assert dids == signers and all(did.startswith(f"did:web:{HOST_A}:issuers:") for did in dids)
    assert kinds.index("credentials.issuer") < kinds.index("credentials.status_list")
    named = {entry["statusListCredential"] for entry in from_a["diploma"]["credentialStatus"]}
    sent = {p["url"] for k, p in from_a["issued"] if k == "credentials.status_list"}
    assert named <= sent and all(url.startswith(NODE_A + "/credentials/status/") for url in sent)
    for kind, payload in from_a["issued"]:
        if kind == "credentials.issuer":
            assert payload["did"] == payload["document"]["id"]
        else:
            assert payload["credential"]["id"] == payload["url"] and payload["credential"]["proof"]
    # The revocation re-signs the primary issuer's lists: only lists travel then, no document.
    assert {kind for kind, _ in from_a["revoked"]} == {"credentials.status_list"}


def test_a_node_without_peers_sends_nothing(settings, joint_programme):
    settings.SITE_ROOT = NODE_A
    issue_diploma(joint_programme)
    assert not OutboxMessage.objects.exists()


# --------------------------------------------------------------------------- what the peer does with them


def test_the_credential_fails_on_the_peer_before_the_issuers_documents_arrive_and_verifies_after(client, from_a, network, no_network):
    trust_a(network)
    before = verify_document(from_a["diploma"])
    assert before["verified"] is False
    assert any("not in the local cache" in c["reason"] for c in before["checks"] if c["check"] == "proof")

    answers = deliver(client, network[NODE_A], from_a["issued"])
    assert [a.status_code for a in answers] == [200] * len(answers)
    after = verify_document(from_a["diploma"])
    assert after["verified"] is True and after["status"] == "valid"
    assert {"check": "federation", "ok": True, "reason": "issuer hosted by Kazakhstan node"} in after["checks"]
    assert after["home_node"] == NODE_A
    assert "register" not in [c["check"] for c in after["checks"]]  # the register is kept at home
    # Stored through the credentials service and audited with the node's name; the inbox holds each message once.
    assert RemoteIssuerDocument.objects.filter(node=NODE_A).count() == 3
    assert RemoteStatusList.objects.filter(node=NODE_A).exists()
    assert AuditEvent.objects.filter(object_type="credentials.remoteissuerdocument", actor=None,
                                     summary="issuer document from Kazakhstan node").count() == 3
    assert InboxMessage.objects.filter(kind__startswith="credentials.").count() == len(from_a["issued"])


def test_the_verify_page_and_the_vc_api_of_the_peer_verify_it_and_name_the_home_node(client, from_a, network, no_network):
    trust_a(network)
    deliver(client, network[NODE_A], from_a["issued"])
    page = client.post("/en/verify/", {"document": json.dumps(from_a["diploma"])}).content.decode()
    assert "✔ Verified" in page and 'data-check="federation"' in page and "issuer hosted by Kazakhstan node" in page
    assert "Joint College, an issuer hosted by Kazakhstan node, another node of this network" in page
    api = client.post("/api/v1/vc/credentials/verify", {"verifiableCredential": from_a["diploma"]}, content_type="application/json")
    assert api.status_code == 200 and "federation" in api.json()["checks"]


def test_a_revocation_at_home_reaches_the_peer_as_a_new_status_list(client, from_a, network, no_network):
    trust_a(network)
    deliver(client, network[NODE_A], from_a["issued"])
    assert verify_document(from_a["diploma"])["status"] == "valid"
    answers = deliver(client, network[NODE_A], from_a["revoked"])
    assert all(a.status_code == 200 for a in answers)
    report = verify_document(from_a["diploma"])
    assert report["verified"] is False and report["status"] == "revoked"


def test_a_status_list_changed_after_signing_cannot_flip_a_status(client, from_a, network, no_network):
    trust_a(network)
    deliver(client, network[NODE_A], from_a["issued"])
    revoked = next(p for _kind, p in from_a["revoked"] if p["url"].endswith("/revocation"))  # genuine, after the revocation
    forged = copy.deepcopy(next(p for k, p in from_a["issued"] if k == "credentials.status_list" and p["url"] == revoked["url"]))
    forged["credential"]["credentialSubject"]["encodedList"] = revoked["credential"]["credentialSubject"]["encodedList"]
    deliver(client, network[NODE_A], [("credentials.status_list", forged)])  # stored: its proof is checked on use
    report = verify_document(from_a["diploma"])
    assert report["verified"] is False and report["status"] == "unknown"


def test_a_peer_trusted_later_is_sent_the_current_documents_and_verifies_older_credentials(client, settings, network, joint_programme, no_network):
    def life() -> dict:
        diploma = issue_diploma(joint_programme)  # before B is trusted: nothing to send yet
        assert not OutboxMessage.objects.exists()
        services.peer_add(actor=None, url=NODE_B)
        return {"diploma": copy.deepcopy(diploma.document), "sent": outbox_for_b()}

    kept = on_node_a(settings, life)
    kinds = [kind for kind, _ in kept["sent"]]
    assert kinds.count("credentials.issuer") == 3 and "credentials.status_list" in kinds
    trust_a(network)
    deliver(client, network[NODE_A], kept["sent"])
    assert verify_document(kept["diploma"])["verified"] is True


def test_a_peer_trusted_through_a_registry_file_is_sent_the_current_documents(settings, network, joint_programme):
    from tests.federation.test_registry_file import _import, _signed

    settings.SITE_ROOT = NODE_A
    issuer = issuer_ensure(actor=None, institution=joint_programme[1])
    operator = creds.generate_key()
    report = _import(_signed(operator, [network[NODE_B]]), operator)
    assert report.added == [NODE_B]
    sent = outbox_for_b()
    assert sent[0] == ("credentials.issuer", {"did": issuer.did, "document": did_document(issuer)})  # as did.json serves it
    assert [kind for kind, _ in sent[1:]] == ["credentials.status_list"] * 2


def test_a_key_rotation_at_home_sends_the_new_document(settings, network, joint_programme):
    settings.SITE_ROOT = NODE_A
    services.peer_add(actor=None, url=NODE_B)
    issuer = issuer_ensure(actor=None, institution=joint_programme[1])
    mark = last_outbox_pk()
    key_rotate(actor=joint_programme[2], issuer=issuer, compromised=True)
    sent = outbox_for_b(after=mark)
    document = dict(sent)["credentials.issuer"]["document"]
    assert document["verificationMethod"][0]["revoked"] and len(document["verificationMethod"]) == 2
    assert "credentials.status_list" in [kind for kind, _ in sent]  # signed again: the old key's signature no longer holds


# --------------------------------------------------------------------------- what the peer refuses


def _document(did: str) -> dict:
    """A well-formed did:web document with one fresh key, for `did`."""
    host, *path = did.removeprefix("did:web:").split(":")
    return creds.did_web_document(unquote(host), path, [creds.generate_key(did, key_id=f"{did}#key-1")])


@pytest.fixture
def a_trusted(network):
    trust_a(network)


def _refusal(client, network, kind: str, payload: dict) -> tuple[int, str]:
    answer = deliver(client, network[NODE_A], [(kind, payload)])[0]
    return answer.status_code, answer.json().get("code", "")


def test_a_document_for_a_did_on_another_host_is_refused_and_nothing_is_stored(client, network, a_trusted):
    did = "did:web:other.example:issuers:1"
    assert _refusal(client, network, "credentials.issuer", {"did": did, "document": _document(did)}) == (422, "not_home")
    ours = f"did:web:{HOST_A}:issuers:1"  # the sender's host, but the document describes another DID
    assert _refusal(client, network, "credentials.issuer", {"did": ours, "document": _document(did)}) == (422, "not_home")
    assert not RemoteIssuerDocument.objects.exists() and not InboxMessage.objects.exists()


def test_a_peers_document_for_an_issuer_hosted_here_is_refused(client, settings, network, a_trusted, joint_programme):
    local = issuer_ensure(actor=None, institution=joint_programme[1])  # this node's own issuer (host B)
    assert _refusal(client, network, "credentials.issuer", {"did": local.did, "document": _document(local.did)}) == (422, "not_home")
    # An issuer made here while this node answered on A's address: A cannot take it over either.
    settings.SITE_ROOT = NODE_A
    moved = issuer_ensure(actor=None, institution=joint_programme[0].awarding_institutions.exclude(pk=joint_programme[1].pk).first())
    settings.SITE_ROOT = NODE_B
    assert moved.did.startswith(f"did:web:{HOST_A}:")
    assert _refusal(client, network, "credentials.issuer", {"did": moved.did, "document": _document(moved.did)}) == (422, "not_home")
    assert not RemoteIssuerDocument.objects.exists()


def test_oversize_or_garbage_documents_and_lists_are_refused(client, network, a_trusted):
    did = f"did:web:{HOST_A}:issuers:9"
    huge = _document(did) | {"service": [{"id": f"{did}#s", "type": "Note", "serviceEndpoint": "x" * 300_000}]}
    garbage = _document(did) | {"verificationMethod": [{"id": f"{did}#key-1", "type": "Multikey", "controller": did, "publicKeyMultibase": "zNotAKey"}]}
    foreign_key = _document(did) | {"verificationMethod": _document("did:web:other.example")["verificationMethod"]}
    for payload in ({"did": did, "document": huge}, {"did": did, "document": garbage}, {"did": did, "document": foreign_key},
                    {"did": did}, {"did": did, "document": "{}"}):
        assert _refusal(client, network, "credentials.issuer", payload) == (400, "invalid_message"), payload
    url = NODE_A + "/credentials/status/1/revocation"
    unsigned = {"id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"], "credentialSubject": {}}
    assert _refusal(client, network, "credentials.status_list", {"url": url, "credential": unsigned}) == (400, "invalid_message")
    elsewhere = "https://other.example/credentials/status/1/revocation"
    assert _refusal(client, network, "credentials.status_list", {"url": elsewhere, "credential": unsigned | {"id": elsewhere}}) == (422, "not_home")
    assert not RemoteIssuerDocument.objects.exists() and not RemoteStatusList.objects.exists()
