"""Trust is explicit: an operator adds a peer by URL (pinned to a fingerprint when given), lists and removes it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ortaq.audit.models import AuditEvent
from ortaq.federation import keys
from ortaq.federation.models import Peer
from ortaq.institutions.models import Institution

pytestmark = pytest.mark.django_db


def _federation(*args: str) -> str:
    out = StringIO()
    call_command("federation", *args, stdout=out)
    return out.getvalue()


def test_adding_a_peer_pins_its_keys_and_prints_the_fingerprint(remote):
    printed = _federation("peer", "add", remote.node_id + "/")
    peer = Peer.objects.get()
    fingerprint = keys.fingerprint_of(remote.multibase)
    assert printed.strip().splitlines()[-1] == f"fingerprint SHA256:{fingerprint}"
    assert (peer.node_id, peer.country, peer.fingerprint) == (remote.node_id, "CN", fingerprint)
    assert peer.keys == [{"id": remote.key_id, "publicKeyMultibase": remote.multibase, "valid_from": "2026-01-01T00:00:00Z", "valid_until": None}]
    assert AuditEvent.objects.filter(action="trust", object_type="federation.peer").count() == 1


def test_a_matching_fingerprint_is_accepted_in_any_common_spelling(remote):
    fingerprint = keys.fingerprint_of(remote.multibase)
    colons = ":".join(fingerprint[i:i + 2] for i in range(0, 64, 2)).upper()
    _federation("peer", "add", remote.node_id, "--fingerprint", f"SHA256:{colons}")
    assert Peer.objects.get().fingerprint == fingerprint


def test_a_wrong_fingerprint_is_refused_and_nothing_is_trusted(remote):
    with pytest.raises(CommandError, match="fingerprint mismatch"):
        _federation("peer", "add", remote.node_id, "--fingerprint", "ab" * 32)
    assert Peer.objects.count() == 0 and Institution.objects.count() == 0


def test_a_manifest_naming_another_node_is_refused(remote, monkeypatch):
    from ortaq.federation import transport

    monkeypatch.setattr(transport, "fetch_manifest", lambda url: remote.manifest())
    with pytest.raises(CommandError, match="names another node"):
        _federation("peer", "add", "https://impostor.example")


def test_the_peer_list_shows_trusted_and_removed_peers(remote):
    _federation("peer", "add", remote.node_id)
    assert "trusted" in _federation("peer", "list")
    assert "removed" in _federation("peer", "remove", remote.node_id)
    listed = _federation("peer", "list")
    assert remote.node_id in listed and "removed 20" in listed
    assert AuditEvent.objects.filter(action="distrust", object_type="federation.peer").count() == 1


def test_removing_an_unknown_peer_says_so():
    with pytest.raises(CommandError, match="not a peer"):
        _federation("peer", "remove", "https://nobody.example")


def test_whoami_prints_the_fingerprint_peers_should_pin():
    key = keys.current_key()
    assert _federation("whoami").strip().endswith(keys.fingerprint_of(key.public_key_multibase))


def test_a_peer_s_institutions_appear_in_the_registry_api_with_their_home_node(remote, client):
    from tests.conftest import make_institution, make_user

    make_institution("Local College")
    remote.institutions = [{"id": "7", "kind": "college", "country": "CN", "identifiers": {"cn_uscc": "12650000MB1234567J"},
                            "names": {"original": "乌鲁木齐职业大学", "latin": "Urumqi Vocational University", "zh": "乌鲁木齐职业大学"}}]
    _federation("peer", "add", remote.node_id)
    _federation("peer", "add", remote.node_id)  # adding again updates the mirror, it does not duplicate it
    client.force_login(make_user("reader"))
    rows = {row["name_latin"]: row for row in client.get("/api/v1/institutions/").json()["items"]}
    assert rows["Local College"]["node"] is None
    mirrored = rows["Urumqi Vocational University"]
    assert (mirrored["node"], mirrored["country"], mirrored["name_zh"], mirrored["cn_uscc"]) == (
        remote.node_id, "CN", "乌鲁木齐职业大学", "12650000MB1234567J")
    assert Institution.objects.filter(node=remote.node_id).count() == 1
    assert AuditEvent.objects.filter(action="mirror", object_type="institutions.institution").count() == 1


def test_a_remote_institution_that_breaks_a_local_rule_is_skipped_and_recorded(remote):
    remote.institutions = [{"id": "7", "kind": "college", "country": "CN", "identifiers": {"cn_uscc": "12650000MB1234567X"},
                            "names": {"original": "Bad check digit", "latin": "Bad check digit"}},
                           {"id": "8", "kind": "college", "country": "CN", "names": {"original": "Good", "latin": "Good"}}]
    assert "1 of its 2 institutions" in _federation("peer", "add", remote.node_id)
    skipped = AuditEvent.objects.get(action="trust").after["institutions_skipped"]
    assert len(skipped) == 1 and skipped[0].startswith("7: ")


def test_a_peer_s_institutions_are_not_listed_again_in_this_node_s_manifest(remote, client):
    remote.institutions = [{"id": "7", "kind": "college", "country": "CN", "names": {"original": "A", "latin": "A"}}]
    _federation("peer", "add", remote.node_id)
    assert client.get("/.well-known/ortaq-node.json").json()["institutions"] == []


def test_sync_accepts_a_rotated_key_while_the_pinned_one_is_still_listed(remote, monkeypatch):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ortaq.federation import transport
    from tests.federation.conftest import RemoteNode

    _federation("peer", "add", remote.node_id)
    rotated = RemoteNode(node_id=remote.node_id, private=Ed25519PrivateKey.generate())
    manifest = remote.manifest()
    manifest["keys"][0]["valid_until"] = "2999-01-01T00:00:00Z"
    manifest["keys"].append({"id": f"{remote.node_id}#key-2", "type": "Multikey", "publicKeyMultibase": rotated.multibase,
                             "valid_from": "2026-06-01T00:00:00Z", "valid_until": None})
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: manifest)
    assert "0 delivered, 0 rejected, 0 waiting" in _federation("sync")
    peer = Peer.objects.get()
    assert [k["id"] for k in peer.keys] == [remote.key_id, f"{remote.node_id}#key-2"]
    assert peer.fingerprint == keys.fingerprint_of(rotated.multibase)
    assert AuditEvent.objects.filter(action="rekey", object_type="federation.peer").count() == 1


def test_sync_refuses_a_manifest_whose_keys_are_unrelated_to_the_pinned_ones(remote, monkeypatch):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ortaq.federation import transport
    from tests.federation.conftest import RemoteNode

    _federation("peer", "add", remote.node_id)
    impostor = RemoteNode(node_id=remote.node_id, private=Ed25519PrivateKey.generate())
    monkeypatch.setattr(transport, "fetch_manifest", lambda url: impostor.manifest())
    err = StringIO()
    call_command("federation", "sync", stdout=StringIO(), stderr=err)
    assert "add it again with its new fingerprint" in err.getvalue()
    assert Peer.objects.get().keys[0]["publicKeyMultibase"] == remote.multibase
