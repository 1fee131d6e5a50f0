"""Two Ortaq nodes as separate server processes on loopback, each with its own SQLite database, peered through
the command line: remote institutions cross, messages to a node that is down arrive, in order and once, when it
comes back, and an agreement proposed on one node is approved on the other, both showing the same version hash and
state. (Refusals of untrusted, removed, unsigned, tampered and replayed requests: test_inbox.py; the agreement
messages' refusals and redeliveries: test_agreements_across_nodes.py.)

The nodes and their helpers are in nodes.py (shared with test_netns.py, the same journey across network
namespaces with a partition instead of an outage).
"""

from __future__ import annotations

import re
import time

import pytest

from tests.federation.nodes import at_once, running

pytestmark = pytest.mark.nodes


@pytest.fixture
def nodes(tmp_path):
    with running(tmp_path) as pair:
        yield pair


def test_two_nodes_peer_share_institutions_catch_up_after_an_outage_and_agree(nodes):
    kz, cn = nodes
    started = time.monotonic()
    cn_token, kz_token = at_once(cn.token, kz.token)
    college = cn.api("POST", "institutions/", cn_token, {"kind": "college", "name_original": "乌鲁木齐职业大学", "name_zh": "乌鲁木齐职业大学",
                                                         "name_latin": "Urumqi Vocational University", "country": "CN", "city": "Urumqi"})
    almaty = kz.api("POST", "institutions/", kz_token, {"kind": "college", "name_original": "Алматы политехникалық колледжі",
                                                        "name_latin": "Almaty Polytechnic College", "country": "KZ", "city": "Almaty"})

    # Trust, pinned to the fingerprint the other operator read out (the manifest lists it): a wrong one is refused.
    fingerprint = cn.manifest()["keys"][0]["fingerprint"]
    wrong = kz.cli("federation", "peer", "add", cn.url, "--fingerprint", "0" * 64, check=False)
    assert wrong.returncode != 0 and "fingerprint mismatch" in wrong.stderr
    added, _ = at_once(lambda: kz.cli("federation", "peer", "add", cn.url, "--fingerprint", fingerprint).stdout,
                        lambda: cn.cli("federation", "peer", "add", kz.url))
    assert added.strip().splitlines()[-1] == f"fingerprint SHA256:{fingerprint}" and "1 of its 1 institutions" in added

    # The Chinese college is in the Kazakh registry, named by its home node.
    listed = {row["name_latin"]: row for row in kz.api("GET", "institutions/", kz_token)["items"]}
    assert listed["Urumqi Vocational University"]["node"] == cn.url
    assert listed["Urumqi Vocational University"]["name_zh"] == college["name_zh"]

    # The Chinese node goes down. Meanwhile the Kazakh college proposes an agreement with the Chinese one and
    # approves it (two messages wait: the version, then the approval recorded on the home node), and the operator
    # queues three pings: five messages wait in the Kazakh outbox.
    cn.stop()
    partner = listed["Urumqi Vocational University"]["id"]
    drafted = kz.api("POST", "agreements/", kz_token, {"kind": "inter_institutional", "title": "Almaty–Urumqi internships",
                                                        "start_year": 2026, "end_year": 2028, "initiator_id": almaty["id"], "party_ids": [partner]})
    kz.api("POST", f"agreements/{drafted['id']}/conditions", kz_token, {
        "mobility_type": "student_internship", "sending": almaty["id"], "receiving": partner, "isced_code": "0714", "places_per_year": 4,
        "duration": 3, "start_year": 2026, "end_year": 2027})
    kz.api("POST", f"agreements/{drafted['id']}/propose", kz_token)
    home = kz.api("POST", f"agreements/{drafted['id']}/approve", kz_token, {"institution_id": almaty["id"]})
    assert home["state"] == "proposed" and home["sha256"]
    assert kz.cli("federation", "ping", cn.url, "--count", "3").stdout.count("queued ping") == 3
    down = kz.cli("federation", "sync", check=False)
    assert down.returncode != 0 and "0 delivered, 0 rejected, 5 waiting" in down.stdout

    # It comes back: one sync delivers all five and its inbox holds exactly five (order: test_outbox.py).
    cn.start()
    cn.wait_ready()
    assert "5 delivered, 0 rejected, 0 waiting" in kz.cli("federation", "sync").stdout

    # The agreement is on the Chinese node with the same hash and the Kazakh approval; the Chinese college approves
    # there, the approval goes home with the Chinese operator's sync, the state comes back with the Kazakh one's.
    [copy] = [row for row in cn.api("GET", "agreements/", cn_token)["items"] if row["home_node"] == kz.url]
    copy = cn.api("GET", f"agreements/{copy['id']}", cn_token)
    assert (copy["sha256"], copy["version"], copy["title"]) == (home["sha256"], home["version"], "Almaty–Urumqi internships")
    assert cn.api("POST", f"agreements/{copy['id']}/approve", cn_token, {"institution_id": college["id"]})["state"] == "proposed"
    assert f"{kz.url}: 1 delivered, 0 rejected, 0 waiting" in cn.cli("federation", "sync").stdout
    assert f"{cn.url}: 1 delivered, 0 rejected, 0 waiting" in kz.cli("federation", "sync").stdout
    # Each message took effect once: three pings, the version, the Kazakh approval, the approved state.
    assert re.search(rf"{re.escape(kz.url)}\t.*\t0 waiting\t6 received", cn.cli("federation", "peer", "list").stdout)
    at_home, there = kz.api("GET", f"agreements/{drafted['id']}", kz_token), cn.api("GET", f"agreements/{copy['id']}", cn_token)
    assert at_home["state"] == there["state"] == "approved"
    assert at_home["sha256"] == there["sha256"] == home["sha256"]
    print(f"two-node journey after start-up: {time.monotonic() - started:.1f} s")
