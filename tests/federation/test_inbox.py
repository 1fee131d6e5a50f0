"""The inbox takes only messages signed by a trusted peer's pinned key, once; every answer is signed too."""

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ortaq.engines import httpsig
from ortaq.federation import keys, services
from ortaq.federation.models import InboxMessage, Peer
from ortaq.federation.selectors import resolve_peer_key
from tests.federation.conftest import post_inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def trusted(remote):
    services.peer_add(actor=None, url=remote.node_id)
    return remote


def _answer_is_signed_by_this_node(response, request_headers) -> bool:
    key = keys.current_key()
    public = keys.public_key_of(key.public_key_multibase)
    httpsig.verify_response(status=response.status_code, headers=dict(response.headers), body=response.content,
                            resolve_key=lambda kid: public if kid == keys.key_id(key) else None,
                            request_signature=request_headers.get("Signature"))
    return True


def test_a_signed_message_from_a_trusted_peer_is_accepted_and_the_answer_is_signed(client, trusted):
    body = trusted.message()
    headers = trusted.signed_headers(body)
    response = post_inbox(client, body, headers)
    assert response.status_code == 200 and response.json() == {"status": "accepted", "id": json.loads(body)["id"]}
    assert InboxMessage.objects.get().peer.node_id == trusted.node_id
    assert _answer_is_signed_by_this_node(response, headers)


def test_an_unsigned_request_is_refused(client, trusted):
    response = client.post("/federation/v1/inbox", data=trusted.message(), content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (401, "unsigned")
    assert InboxMessage.objects.count() == 0 and _answer_is_signed_by_this_node(response, {})


def test_a_tampered_body_is_refused(client, trusted):
    body = trusted.message(payload={"places": 2})
    headers = trusted.signed_headers(body)
    response = post_inbox(client, body.replace(b'"places": 2', b'"places": 9'), headers)
    assert (response.status_code, response.json()["code"]) == (401, "bad_signature")
    assert InboxMessage.objects.count() == 0


def test_a_replayed_request_is_refused(client, trusted):
    body = trusted.message()
    headers = trusted.signed_headers(body)
    assert post_inbox(client, body, headers).status_code == 200
    again = post_inbox(client, body, headers)
    assert (again.status_code, again.json()["code"]) == (409, "replay")
    assert InboxMessage.objects.count() == 1


def test_a_stale_signature_is_refused(client, trusted):
    body = trusted.message()
    response = post_inbox(client, body, trusted.signed_headers(body, created=int(time.time()) - 3600))
    assert (response.status_code, response.json()["code"]) == (401, "stale")


def test_a_request_signed_with_another_key_under_the_peer_s_key_id_is_refused(client, trusted):
    body = trusted.message()
    response = post_inbox(client, body, trusted.signed_headers(body, private=Ed25519PrivateKey.generate()))
    assert (response.status_code, response.json()["code"]) == (401, "bad_signature")


def test_a_request_signed_for_another_target_is_refused(client, trusted):
    body = trusted.message()
    response = post_inbox(client, body, trusted.signed_headers(body, url="https://elsewhere.example/federation/v1/inbox"))
    assert (response.status_code, response.json()["code"]) == (401, "bad_signature")


def test_an_untrusted_node_is_refused(client, remote):
    body = remote.message()
    response = post_inbox(client, body, remote.signed_headers(body))
    assert (response.status_code, response.json()["code"]) == (403, "untrusted")


def test_a_removed_peer_is_refused_at_once(client, trusted):
    services.peer_remove(actor=None, peer=Peer.objects.get())
    body = trusted.message()
    response = post_inbox(client, body, trusted.signed_headers(body))
    assert (response.status_code, response.json()["code"]) == (403, "untrusted")
    assert resolve_peer_key(trusted.key_id) is None


def test_a_message_claiming_another_sender_is_refused(client, trusted):
    body = trusted.message(**{"from": "https://kz.other.example"})
    response = post_inbox(client, body, trusted.signed_headers(body))
    assert (response.status_code, response.json()["code"]) == (400, "wrong_node")


def test_a_body_that_is_not_a_message_and_an_unknown_kind_are_refused(client, trusted):
    body = b'{"hello": 1}'
    assert post_inbox(client, body, trusted.signed_headers(body)).json()["code"] == "invalid_message"
    body = trusted.message(kind="teleport")
    response = post_inbox(client, body, trusted.signed_headers(body))
    assert (response.status_code, response.json()["code"]) == (422, "unknown_kind")


def test_the_same_message_delivered_twice_takes_effect_once(client, trusted):
    body = trusted.message()
    assert post_inbox(client, body, trusted.signed_headers(body)).json()["status"] == "accepted"
    again = post_inbox(client, body, trusted.signed_headers(body))  # a new signature: a retry, not a replay
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert InboxMessage.objects.count() == 1


def test_the_inbox_takes_only_post(client):
    assert client.get("/federation/v1/inbox").status_code == 405


@pytest.mark.parametrize("body", [
    b"\xff\xfe not utf-8",
    b'{"id": NaN, "kind": "ping"}',
    b"[" * 5000 + b"]" * 5000,
    b'{"id": "' + b"x" * 3_000_000 + b'"}',
], ids=["not-utf8", "nan", "deep", "huge"])
def test_a_hostile_body_signed_by_a_trusted_peer_is_refused_with_a_code_and_stores_nothing(client, trusted, body):
    """The signature proves who sent it, not that it is sane: the body is input like any other."""
    response = post_inbox(client, body, trusted.signed_headers(body))
    assert 400 <= response.status_code < 500 and response.json()["code"]
    assert InboxMessage.objects.count() == 0
