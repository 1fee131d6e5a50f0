"""A network operator's signed registry file trusts many nodes at once; anything doubtful in it stores nothing."""

import copy
import datetime as dt
import json
import os
import stat
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import timezone

from ortaq.audit.models import AuditEvent
from ortaq.engines.credentials.keys import Multikey, generate_key
from ortaq.federation import keys, registry, services, transport
from ortaq.federation.models import InboxMessage, Peer, RegistryImport, RegistryOperator
from tests.federation.conftest import RemoteNode, post_inbox

pytestmark = pytest.mark.django_db

NODES = ("https://cn.ortaq.example", "https://kg.ortaq.example", "https://uz.ortaq.example")


def _stamp(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _entry(node: RemoteNode, country: str = "CN") -> dict:
    return {"id": node.node_id, "name": f"Node {node.node_id}", "country": country,
            "keys": [{"id": node.key_id, "publicKeyMultibase": node.multibase, "valid_from": "2026-01-01T00:00:00Z", "valid_until": None}]}


def _unsigned(nodes: list[RemoteNode], *, serial: int = 1, expires: dt.datetime | None = None) -> dict:
    now = timezone.now()
    return {"type": "OrtaqRegistry", "operator": {"name": "Central Asia network"}, "serial": serial,
            "issued": _stamp(now - dt.timedelta(hours=1)), "expires": _stamp(expires or now + dt.timedelta(days=30)),
            "nodes": [_entry(node) for node in nodes]}


def _signed(operator: Multikey, nodes: list[RemoteNode], **options) -> dict:
    return registry.registry_sign(document=_unsigned(nodes, **options), key=operator)


def _import(document: dict, operator: Multikey, fingerprint: str | None = None) -> registry.ImportReport:
    return registry.registry_import(actor=None, data=json.dumps(document).encode(),
                                    operator_fingerprint=fingerprint or registry.operator_fingerprint(operator))


def _federation(*args: str) -> str:
    out = StringIO()
    call_command("federation", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def operator() -> Multikey:
    return generate_key()


@pytest.fixture
def nodes(monkeypatch) -> list[RemoteNode]:
    def no_network(url: str) -> dict:
        raise AssertionError(f"the registry vouches for the keys: no manifest is fetched ({url})")

    monkeypatch.setattr(transport, "fetch_manifest", no_network)
    return [RemoteNode(node_id=node) for node in NODES]


def _nothing_stored() -> bool:
    return not (Peer.objects.exists() or RegistryImport.objects.exists() or RegistryOperator.objects.exists())


def test_a_signed_file_trusts_three_nodes_at_once_and_their_messages_are_then_accepted(client, operator, nodes):
    report = _import(_signed(operator, nodes), operator)
    assert sorted(report.added) == sorted(NODES) and not (report.updated or report.removed or report.conflicts)
    peers = {peer.node_id: peer for peer in Peer.objects.all()}
    assert set(peers) == set(NODES)
    assert peers[NODES[1]].keys == _entry(nodes[1])["keys"]
    assert peers[NODES[1]].fingerprint == keys.fingerprint_of(nodes[1].multibase)
    assert {peer.registry_import.serial for peer in peers.values()} == {1}
    body = nodes[1].message()
    response = post_inbox(client, body, nodes[1].signed_headers(body))
    assert (response.status_code, response.json()["status"]) == (200, "accepted")
    assert InboxMessage.objects.get().peer.node_id == NODES[1]
    assert AuditEvent.objects.filter(action="trust", object_type="federation.peer").count() == 3
    assert AuditEvent.objects.filter(action="import", object_type="federation.registryimport").count() == 1
    assert AuditEvent.objects.filter(action="pin", object_type="federation.registryoperator").count() == 1


def test_this_node_listed_in_the_file_is_not_made_its_own_peer(operator, nodes):
    me = RemoteNode(node_id=keys.node_id())
    report = _import(_signed(operator, [*nodes, me]), operator)
    assert keys.node_id() not in report.added and not Peer.objects.filter(node_id=keys.node_id()).exists()


@pytest.mark.parametrize("change", [
    lambda doc: doc["nodes"][1].update(country="KG"),
    lambda doc: doc["nodes"][1]["keys"][0].update(publicKeyMultibase=RemoteNode().multibase),
    lambda doc: doc["nodes"][2].update(name=doc["nodes"][2]["name"] + "x"),
    lambda doc: doc.update(serial=2),
], ids=["country", "key", "name", "serial"])
def test_a_tampered_file_is_refused_and_stores_nothing(operator, nodes, change):
    document = _signed(operator, nodes)
    change(document)
    with pytest.raises(services.FederationError, match="does not verify") as refused:
        _import(document, operator)
    assert refused.value.code == "bad_proof" and _nothing_stored()


def test_an_unsigned_file_is_refused(operator, nodes):
    document = _unsigned(nodes) | {"operator": {"name": "x", "id": operator.controller}}
    with pytest.raises(services.FederationError, match="no single operator proof"):
        _import(document, operator)
    assert _nothing_stored()


def test_a_file_signed_by_another_operator_than_the_pinned_one_is_refused(operator, nodes):
    _import(_signed(operator, nodes[:1]), operator)
    usurper = generate_key()
    with pytest.raises(services.FederationError, match="not by the pinned operator") as refused:
        _import(_signed(usurper, nodes, serial=2), usurper)  # its own fingerprint given: still not the pinned key
    assert refused.value.code == "operator"
    assert list(Peer.objects.values_list("node_id", flat=True)) == [NODES[0]]
    assert RegistryOperator.objects.get().last_serial == 1


@pytest.mark.parametrize("serial", [1, 2], ids=["equal", "older"])
def test_a_serial_not_higher_than_the_last_imported_is_refused(operator, nodes, serial):
    _import(_signed(operator, nodes[:1], serial=2), operator)
    with pytest.raises(services.FederationError, match="not higher") as refused:
        _import(_signed(operator, nodes, serial=serial), operator)
    assert refused.value.code == "serial" and Peer.objects.count() == 1 and RegistryImport.objects.count() == 1


def test_an_expired_file_is_refused(operator, nodes, monkeypatch):
    document = _signed(operator, nodes, expires=timezone.now() + dt.timedelta(minutes=5))
    later = timezone.now() + dt.timedelta(hours=1)
    monkeypatch.setattr(registry.timezone, "now", lambda: later)
    with pytest.raises(services.FederationError, match="expired") as refused:
        _import(document, operator)
    assert refused.value.code == "expired" and _nothing_stored()


def test_the_wrong_operator_fingerprint_is_refused(operator, nodes):
    with pytest.raises(services.FederationError, match="operator fingerprint mismatch"):
        _import(_signed(operator, nodes), operator, fingerprint="ab" * 32)
    assert _nothing_stored()


def test_a_node_dropped_from_a_newer_file_is_removed_and_a_hand_added_peer_never_is(operator, nodes, monkeypatch):
    by_hand = RemoteNode(node_id="https://kz-college.ortaq.example")
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: by_hand.manifest())
    services.peer_add(actor=None, url=by_hand.node_id)
    _import(_signed(operator, [*nodes, by_hand]), operator)  # listed too: stays hand-added, unchanged
    report = _import(_signed(operator, nodes[:2], serial=2), operator)
    assert report.removed == [NODES[2]]
    assert Peer.objects.get(node_id=NODES[2]).removed_at is not None
    hand = Peer.objects.get(node_id=by_hand.node_id)
    assert hand.removed_at is None and hand.registry_import is None
    assert set(report.unchanged) == set(NODES[:2])
    assert AuditEvent.objects.filter(action="distrust", object_id=str(Peer.objects.get(node_id=NODES[2]).pk)).count() == 1
    again = _import(_signed(operator, nodes, serial=3), operator)  # listed again: trusted again
    assert again.added == [NODES[2]] and Peer.objects.get(node_id=NODES[2]).removed_at is None


def test_a_hand_added_peer_with_other_keys_is_a_conflict_left_untouched(operator, nodes, monkeypatch):
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: nodes[0].manifest())
    services.peer_add(actor=None, url=nodes[0].node_id)
    listed = RemoteNode(node_id=nodes[0].node_id, private=Ed25519PrivateKey.generate())
    report = _import(_signed(operator, [listed, *nodes[1:]]), operator)
    assert report.conflicts == [f"{NODES[0]}: added here by hand with keys unrelated to the registry's; left as it is"]
    assert Peer.objects.get(node_id=NODES[0]).keys[0]["publicKeyMultibase"] == nodes[0].multibase


def test_a_peer_removed_by_hand_is_not_trusted_again_by_the_registry(operator, nodes):
    _import(_signed(operator, nodes), operator)
    services.peer_remove(actor=None, peer=Peer.objects.get(node_id=NODES[0]))
    report = _import(_signed(operator, nodes, serial=2), operator)
    assert report.conflicts == [f"{NODES[0]}: removed here by hand; not trusted again"]
    assert Peer.objects.get(node_id=NODES[0]).removed_at is not None


def test_a_registry_peer_whose_keys_the_operator_changed_is_rekeyed(operator, nodes):
    _import(_signed(operator, nodes), operator)
    rotated = RemoteNode(node_id=NODES[0])
    report = _import(_signed(operator, [rotated, *nodes[1:]], serial=2), operator)
    assert report.updated == [NODES[0]] and Peer.objects.get(node_id=NODES[0]).fingerprint == keys.fingerprint_of(rotated.multibase)
    assert AuditEvent.objects.filter(action="rekey", object_type="federation.peer").count() == 1


@pytest.mark.parametrize(("change", "message"), [
    (lambda doc: doc["nodes"].append(copy.deepcopy(doc["nodes"][0])), "listed twice"),
    (lambda doc: doc["nodes"][0].update(id="ftp://cn.example"), "not an http"),
    (lambda doc: doc["nodes"][0].update(id="https://cn.ortaq.example/"), "not written as its base URL"),
    (lambda doc: doc["nodes"][0]["keys"][0].update(id="https://evil.example#key-1"), "not the node's own"),
    (lambda doc: doc["nodes"][0]["keys"][0].update(publicKeyMultibase="z123"), "not an Ed25519 multibase key"),
    (lambda doc: doc["nodes"][0].update(country="China"), "ISO 3166-1"),
    (lambda doc: doc.update(serial="7"), "serial"),
    (lambda doc: doc.update(serial=10**30), "serial"),
    (lambda doc: doc.update(expires="next week"), "expires"),
], ids=["duplicate", "scheme", "slash", "foreign-key", "bad-key", "country", "serial", "huge-serial", "expires"])
def test_an_invalid_entry_is_refused_before_signing_and_at_import(operator, nodes, change, message):
    document = _unsigned(nodes)
    change(document)
    with pytest.raises(services.FederationError, match=message):
        registry.registry_sign(document=document, key=operator)
    signed = _signed(operator, nodes)
    change(signed)  # an operator who signed a bad file anyway: the import checks the entries too
    with pytest.raises(services.FederationError, match=message):
        _import(signed, operator)
    assert _nothing_stored()


def test_keygen_sign_and_import_work_end_to_end_from_the_command_line(operator, nodes, tmp_path, monkeypatch):
    keyfile, unsigned, signed = tmp_path / "operator.json", tmp_path / "registry.json", tmp_path / "registry.signed.json"
    printed = _federation("registry", "keygen", str(keyfile)).splitlines()
    assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
    key = Multikey.load(keyfile)
    assert printed == [f"operator {key.controller}", f"fingerprint SHA256:{registry.operator_fingerprint(key)}"]
    with pytest.raises(CommandError, match="never overwritten"):
        _federation("registry", "keygen", str(keyfile))
    unsigned.write_text(json.dumps(_unsigned(nodes)))
    assert "signed serial 1 (3 nodes)" in _federation("registry", "sign", "--key", str(keyfile), str(unsigned), str(signed))
    fingerprint = printed[1].split(" ", 1)[1]
    with pytest.raises(CommandError, match=r"operator fingerprint mismatch.*\[fingerprint\]"):
        _federation("registry", "import", str(signed), "--operator-fingerprint", "00" * 32)
    summary = _federation("registry", "import", str(signed), "--operator-fingerprint", fingerprint)
    assert summary.strip().endswith("registry serial 1 of Central Asia network: 3 added, 0 updated, 0 removed, 0 unchanged, 0 conflicts")
    assert all(f"added: {node}" in summary for node in NODES)
    listed = _federation("peer", "list")
    assert listed.count("\ttrusted\tregistry serial 1\t") == 3
    with pytest.raises(CommandError, match=r"not higher.*\[serial\]"):
        _federation("registry", "import", str(signed), "--operator-fingerprint", fingerprint)
