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
