"""The node publishes who it is: id, name, country, keys (with rotation overlap), hosted institutions, APIs."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from ortaq.audit.models import AuditEvent
from ortaq.engines.credentials.multibase import decode_public_key
from ortaq.federation import keys
from ortaq.federation.models import NodeKey
from tests.conftest import make_institution

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_node_by_its_site_root_with_name_country_and_apis(client, settings):
    settings.SITE_ROOT = "https://kz.ortaq.example"
    settings.ORTAQ_NODE_NAME, settings.ORTAQ_NODE_COUNTRY = "Kazakhstan node", "KZ"
    manifest = client.get("/.well-known/ortaq-node.json").json()
    assert (manifest["id"], manifest["name"], manifest["country"]) == ("https://kz.ortaq.example", "Kazakhstan node", "KZ")
    assert {"name": "ortaq-federation", "version": "1", "url": "https://kz.ortaq.example/federation/v1/"} in manifest["apis"]


def test_the_key_is_made_once_and_published_as_an_ed25519_multibase_with_its_fingerprint(client):
    first = client.get("/.well-known/ortaq-node.json").json()["keys"]
    again = client.get("/.well-known/ortaq-node.json").json()["keys"]
    assert first == again and len(first) == 1 and NodeKey.objects.count() == 1
    key = first[0]
    assert key["id"] == f"{keys.node_id()}#key-1" and key["publicKeyMultibase"].startswith("z6Mk")
    assert key["fingerprint"] == hashlib.sha256(decode_public_key(key["publicKeyMultibase"])).hexdigest()
    assert key["valid_until"] is None


def test_hosted_institutions_carry_names_country_and_identifiers_but_no_contacts(client):
    make_institution("Almaty College", kz_bin="123456789012", name_kk="Алматы колледжі", email="secret@example.kz")
    make_institution("Mirror of a remote one", country="CN", node="https://cn.ortaq.example")
    hosted = client.get("/.well-known/ortaq-node.json").json()["institutions"]
    assert len(hosted) == 1
    entry = hosted[0]
    assert entry["names"] == {"original": "Almaty College", "latin": "Almaty College", "kk": "Алматы колледжі", "en": "Almaty College"}
    assert entry["identifiers"] == {"kz_bin": "123456789012"} and entry["country"] == "KZ"
    assert "secret@example.kz" not in str(entry)


def test_rotating_keeps_the_previous_key_valid_for_the_overlap_then_drops_it(client):
    old = keys.current_key()
    out = StringIO()
    call_command("federation_rotate_key", "--overlap-days", "3", stdout=out)
    listed = {k["id"]: k for k in client.get("/.well-known/ortaq-node.json").json()["keys"]}
    assert set(listed) == {f"{keys.node_id()}#key-1", f"{keys.node_id()}#key-2"}
    assert listed[f"{keys.node_id()}#key-2"]["valid_until"] is None
    until = dt.datetime.fromisoformat(listed[f"{keys.node_id()}#key-1"]["valid_until"].replace("Z", "+00:00"))
    assert dt.timedelta(days=2, hours=23) < until - timezone.now() <= dt.timedelta(days=3)
    assert keys.current_key().name == "key-2" and "fingerprint SHA256:" in out.getvalue()
    assert AuditEvent.objects.filter(action="rotate", object_type="federation.nodekey").count() == 1
    assert [k.name for k in keys.published_keys(now=timezone.now() + dt.timedelta(days=4))] == ["key-2"]
    assert old.public_key_multibase != keys.current_key().public_key_multibase


def test_the_secret_is_stored_encrypted_and_signs_for_the_published_key():
    key = keys.current_key()
    private = keys.private_key(key)
    assert private.private_bytes_raw() not in bytes(key.secret_encrypted)
    assert keys.fingerprint_of(key.public_key_multibase) == hashlib.sha256(keys.raw_public(private)).hexdigest()
