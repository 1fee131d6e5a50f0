"""Two Ortaq nodes, each in a network namespace of its own joined by a veth pair (a cable between two machines),
peered through the command line: a partition cuts the cable while both servers stay up, the messages queued meanwhile
wait, and once the cable is back one `sync` delivers them all, in order and each once. A third machine on the
network, trusted by no one, is refused. (test_two_nodes.py: the same on loopback with a node that goes down.)

Needs root and iproute2 (`ip netns`); skipped otherwise. Namespaces, links and addresses get a random suffix so that
the suite's parallel legs (SQLite, PostgreSQL) never share one, and are removed, with the servers, even on failure.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ortaq.engines import httpsig
from tests.federation.nodes import Node, at_once, in_namespace, migrated_copies

pytestmark = pytest.mark.nodes

PORT = 8000  # each namespace has its own ports
INBOX = "/federation/v1/inbox"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


class Network:
    """kz ═ cn ─ stranger: two /24 links, with names and addresses drawn at random."""

    def __init__(self) -> None:
        tag, octet = secrets.token_hex(3), secrets.randbelow(250)
        self.namespaces = {name: f"ortaq-{name}-{tag}" for name in ("kz", "cn", "xx")}
        self.cable = f"10.77.{octet}"  # kz .1, cn .2
        self.side_link = f"10.78.{octet}"  # cn .1, stranger .2
        self.kz_end, self.cn_end = f"oq{tag}k", f"oq{tag}c"
        self.created: list[str] = []

    def build(self) -> None:
        for name in self.namespaces.values():
            _ip("netns", "add", name)
            self.created.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
        kz, cn, xx = self.namespaces["kz"], self.namespaces["cn"], self.namespaces["xx"]
        self._link(kz, self.kz_end, f"{self.cable}.1", cn, self.cn_end, f"{self.cable}.2")
        # While the cable is cut kz's ARP queries go unanswered: give up after 3 × 0.1 s instead of 3 × 1 s, so that
        # each attempt of a `sync` fails fast (still "no route to host", as across a real cut).
        _ip("-n", kz, "ntable", "change", "name", "arp_cache", "dev", self.kz_end, "retrans", "100")
        tag = self.kz_end[2:8]
        self._link(cn, f"oq{tag}s", f"{self.side_link}.1", xx, f"oq{tag}x", f"{self.side_link}.2")
        # The stranger reaches cn's address on the cable through cn's end of their link (cn forwards nothing).
        _ip("-n", xx, "route", "add", f"{self.cable}.0/24", "via", f"{self.side_link}.1")

    @staticmethod
    def _link(left: str, left_end: str, left_address: str, right: str, right_end: str, right_address: str) -> None:
        _ip("link", "add", left_end, "netns", left, "type", "veth", "peer", "name", right_end, "netns", right)
        for namespace, end, address in ((left, left_end, left_address), (right, right_end, right_address)):
            _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", end)
            _ip("-n", namespace, "link", "set", end, "up")

    def cut(self) -> None:
        """cn's end of the cable goes down: a partition, both servers keep running."""
        _ip("-n", self.namespaces["cn"], "link", "set", self.cn_end, "down")

    def mend(self) -> None:
        _ip("-n", self.namespaces["cn"], "link", "set", self.cn_end, "up")

    def remove(self) -> None:
        for name in self.created:  # removing a namespace removes the links in it
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


@pytest.fixture
def network(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (ip netns add)")
    if shutil.which("ip") is None or not hasattr(os, "setns"):
        pytest.skip("needs iproute2's `ip` and os.setns (Linux, Python 3.12)")
    net = Network()
    kz = Node(tmp_path, "kz", "KZ", host=f"{net.cable}.1", port=PORT, namespace=net.namespaces["kz"])
    cn = Node(tmp_path, "cn", "CN", host=f"{net.cable}.2", port=PORT, namespace=net.namespaces["cn"])
    try:
        try:
            net.build()
        except subprocess.CalledProcessError as error:
            if not net.created:
                pytest.skip(f"`ip netns add` is not permitted here: {error.stderr.strip()}")
            raise
        migrated_copies(tmp_path, kz, cn)
        kz.start()
        cn.start()
        kz.wait_ready()
        cn.wait_ready()
        yield net, kz, cn
    finally:
        at_once(kz.stop, cn.stop)
        net.remove()


def _fingerprint(whoami: str) -> str:
    return re.fullmatch(r"fingerprint SHA256:([0-9a-f]{64})", whoami.strip().splitlines()[-1]).group(1)


def _post_inbox(namespace: str, node: Node, message: dict, *, key_id: str, private: Ed25519PrivateKey) -> tuple[int, dict]:
    """A signed message to `node`'s inbox, sent from `namespace`: the answer's status and body."""
    body, headers = json.dumps(message).encode(), {"Content-Type": "application/json"}
    headers |= httpsig.sign_request(method="POST", url=node.url + INBOX, headers=headers, body=body, key_id=key_id, private_key=private)

    def send() -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(urllib.request.Request(node.url + INBOX, data=body, headers=headers, method="POST"), timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refusal:
            return refusal.code, json.loads(refusal.read())

    return in_namespace(namespace, send)


def test_a_partition_holds_the_messages_and_one_sync_delivers_them_in_order_once_the_cable_is_back(network):
    net, kz, cn = network
    started = time.monotonic()
    kz_token, cn_token, kz_whoami, cn_whoami = at_once(kz.token, cn.token, lambda: kz.cli("federation", "whoami").stdout,
                                                       lambda: cn.cli("federation", "whoami").stdout)
    college = cn.api("POST", "institutions/", cn_token, {"kind": "college", "name_original": "乌鲁木齐职业大学",
                                                         "name_latin": "Urumqi Vocational University", "country": "CN", "city": "Urumqi"})
    almaty = kz.api("POST", "institutions/", kz_token, {"kind": "college", "name_original": "Алматы политехникалық колледжі",
                                                        "name_latin": "Almaty Polytechnic College", "country": "KZ", "city": "Almaty"})

    # Each operator pins the fingerprint the other read out from `whoami`, over the cable.
    assert kz_whoami.startswith(f"{kz.url}  kz  key ") and cn_whoami.startswith(f"{cn.url}  cn  key ")
    kz_added, cn_added = at_once(lambda: kz.cli("federation", "peer", "add", cn.url, "--fingerprint", _fingerprint(cn_whoami)).stdout,
                                 lambda: cn.cli("federation", "peer", "add", kz.url, "--fingerprint", _fingerprint(kz_whoami)).stdout)
    assert f"trusted {cn.url} (cn, CN): 1 of its 1 institutions" in kz_added and kz_added.strip().endswith(_fingerprint(cn_whoami))
    assert f"trusted {kz.url} (kz, KZ)" in cn_added
    assert "queued ping" in kz.cli("federation", "ping", cn.url).stdout
    assert f"{cn.url}: 1 delivered, 0 rejected, 0 waiting" in kz.cli("federation", "sync").stdout

    # The cable is cut; both servers stay up. On the Kazakh node an agreement with the Chinese college is proposed
    # and approved at home (two messages) and three pings are queued: five wait, and nothing reaches cn.
    net.cut()
    partner = next(row["id"] for row in kz.api("GET", "institutions/", kz_token)["items"] if row["node"] == cn.url)
    drafted = kz.api("POST", "agreements/", kz_token, {"kind": "inter_institutional", "title": "Almaty–Urumqi internships",
                                                        "start_year": 2026, "end_year": 2028, "initiator_id": almaty["id"], "party_ids": [partner]})
    kz.api("POST", f"agreements/{drafted['id']}/conditions", kz_token, {
        "mobility_type": "student_internship", "sending": almaty["id"], "receiving": partner, "isced_code": "0714", "places_per_year": 4,
        "duration": 3, "start_year": 2026, "end_year": 2027})
    kz.api("POST", f"agreements/{drafted['id']}/propose", kz_token)
    home = kz.api("POST", f"agreements/{drafted['id']}/approve", kz_token, {"institution_id": almaty["id"]})
    assert kz.cli("federation", "ping", cn.url, "--count", "3").stdout.count("queued ping") == 3
    cut_off, listed = at_once(lambda: kz.cli("federation", "sync", check=False), lambda: kz.cli("federation", "peer", "list").stdout)
    assert cut_off.returncode != 0 and f"{cn.url}: 0 delivered, 0 rejected, 5 waiting" in cut_off.stdout
    assert re.search(rf"^{re.escape(cn.url)}\tcn\tCN\t.*\t5 waiting\t0 received$", listed, re.MULTILINE)
    assert cn.query("SELECT kind FROM federation_inboxmessage") == [("ping",)]

    # The cable is back: one sync delivers the five. cn's inbox holds what kz's outbox sent, in its order, each once.
    net.mend()
    assert f"{cn.url}: 5 delivered, 0 rejected, 0 waiting" in kz.cli("federation", "sync").stdout
    sent = kz.query("SELECT o.message_id, o.kind FROM federation_outboxmessage o JOIN federation_peer p ON p.id = o.peer_id "
                    "WHERE p.node_id = ? AND o.state = 'delivered' ORDER BY o.id", cn.url)
    received = cn.query("SELECT message_id, kind FROM federation_inboxmessage ORDER BY id")
    assert received == sent and len({message_id for message_id, _ in received}) == 6
    assert [kind for _, kind in received] == ["ping", "agreement.proposed", "agreement.state", "ping", "ping", "ping"]
    [copy] = [row for row in cn.api("GET", "agreements/", cn_token)["items"] if row["home_node"] == kz.url]
    assert cn.api("GET", f"agreements/{copy['id']}", cn_token)["sha256"] == home["sha256"]

    # A third machine on the network, trusted by neither node, is refused, under its own key or under kz's name.
    stranger_ns, stranger = net.namespaces["xx"], Ed25519PrivateKey.generate()
    stranger_url = f"http://{net.side_link}.2:{PORT}"
    message = {"id": str(uuid.uuid4()), "kind": "ping", "from": stranger_url, "to": cn.url,
               "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"), "payload": {}}
    status, answer = _post_inbox(stranger_ns, cn, message, key_id=f"{stranger_url}#key-1", private=stranger)
    assert (status, answer["code"]) == (403, "untrusted")
    impostor = message | {"id": str(uuid.uuid4()), "from": kz.url}
    status, answer = _post_inbox(stranger_ns, cn, impostor, key_id=f"{kz.url}#key-1", private=stranger)
    assert (status, answer["code"]) == (401, "bad_signature")
    assert len(cn.query("SELECT id FROM federation_inboxmessage")) == 6
    print(f"netns journey after start-up: {time.monotonic() - started:.1f} s")
