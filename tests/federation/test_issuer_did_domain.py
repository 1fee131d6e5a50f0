"""A node whose issuers' did:web is on another domain than its own address (ORTAQ_DID_DOMAIN, say issuers.cn.example
for a node at cn.ortaq.example) declares that domain in its manifest; a peer that trusts it takes its issuers'
documents for that domain too. Nobody speaks for a domain another peer claims or for this node's own."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import ortaq.engines.credentials as creds
from ortaq.credentials.models import RemoteIssuerDocument
from ortaq.federation import services, transport
from ortaq.federation.selectors import manifest
from tests.federation.conftest import RemoteNode, send_from

pytestmark = pytest.mark.django_db


@dataclass
class DeclaringNode(RemoteNode):
    did_domain: str = ""

    def manifest(self) -> dict:
        return super().manifest() | ({"did_domain": self.did_domain} if self.did_domain else {})


def _issuer(domain: str, number: str = "7") -> dict:
    did = f"did:web:{domain}:issuers:{number}"
    key = creds.generate_key(did, key_id=f"{did}#key-1")
    return {"did": did, "document": creds.did_web_document(domain, ["issuers", number], [key])}


def _trust(monkeypatch, *nodes: DeclaringNode) -> None:
    served = {node.node_id: node for node in nodes}
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: served[url.rstrip("/")].manifest())
    for node in nodes:
        services.peer_add(actor=None, url=node.node_id)


def test_this_nodes_manifest_names_its_issuers_did_domain(settings, monkeypatch):
    settings.SITE_ROOT = "https://kz.ortaq.example"
    assert manifest()["did_domain"] == "kz.ortaq.example"
    monkeypatch.setenv("ORTAQ_DID_DOMAIN", "diplomas.edu.kz")
    assert manifest()["did_domain"] == "diplomas.edu.kz"


def test_a_peer_speaks_for_the_did_domain_it_declared(client, monkeypatch):
    china = DeclaringNode(did_domain="issuers.cn.example")
    _trust(monkeypatch, china)
    for domain in ("issuers.cn.example", "cn.ortaq.example"):  # the declared domain, and its own host as before
        answer = send_from(client, china, "credentials.issuer", _issuer(domain))
        assert answer.status_code == 200 and answer.json()["status"] == "accepted", answer.json()
    assert set(RemoteIssuerDocument.objects.values_list("did", flat=True)) == {"did:web:issuers.cn.example:issuers:7", "did:web:cn.ortaq.example:issuers:7"}
    other = send_from(client, china, "credentials.issuer", _issuer("issuers.ru.example"))
    assert other.status_code == 422 and other.json()["code"] == "not_home"


def test_a_domain_two_peers_claim_or_this_nodes_own_is_nobodys(client, settings, monkeypatch):
    settings.SITE_ROOT = "https://kz.ortaq.example"
    china = DeclaringNode(did_domain="issuers.shared.example")
    russia = DeclaringNode(node_id="https://ru.ortaq.example", did_domain="issuers.shared.example")
    usurper = DeclaringNode(node_id="https://xx.ortaq.example", did_domain="kz.ortaq.example")  # this node's own domain
    squatter = DeclaringNode(node_id="https://yy.ortaq.example", did_domain="cn.ortaq.example")  # another peer's address
    _trust(monkeypatch, china, russia, usurper, squatter)
    for node, domain in ((china, "issuers.shared.example"), (russia, "issuers.shared.example"), (usurper, "kz.ortaq.example"),
                         (squatter, "cn.ortaq.example")):
        answer = send_from(client, node, "credentials.issuer", _issuer(domain))
        assert answer.status_code == 422 and answer.json()["code"] == "not_home", (node.node_id, answer.json())
    assert not RemoteIssuerDocument.objects.exists()
