"""Two Ortaq nodes as separate server processes on loopback, each with its own SQLite database, peered through
the command line: remote institutions cross, messages to a node that is down arrive, in order and once, when it
comes back, and an agreement proposed on one node is approved on the other, both showing the same version hash and
state. (Refusals of untrusted, removed, unsigned, tampered and replayed requests: test_inbox.py; the agreement
messages' refusals and redeliveries: test_agreements_across_nodes.py.)

Most of its time is starting Python processes (about 3.5 s of CPU each); independent commands of the two
operators run side by side.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest

pytestmark = pytest.mark.nodes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Node:
    def __init__(self, root: Path, name: str, country: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / f"{name}.log"
        # Its own data folder (SQLite database, secret key): nothing of the test's database settings leaks in.
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "SECRET_KEY_FILE"}}
        self.env |= {"ORTAQ_DATA_DIR": str(root / name), "SITE_ROOT": self.url, "ORTAQ_NODE_NAME": name, "ORTAQ_NODE_COUNTRY": country,
                     "ORTAQ_INSECURE_HTTP": "1", "ORTAQ_WARMUP": "0", "DJANGO_SUPERUSER_PASSWORD": "correct horse battery"}
        self.server: subprocess.Popen | None = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "ortaq.cli", *args], env=self.env, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise AssertionError(f"ortaq {' '.join(args)} on {self.url}: {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.server = subprocess.Popen([sys.executable, "-m", "ortaq.cli", "serve", "--port", str(self.port), "--no-worker"],
                                           env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.server is not None and self.server.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{self.url}/.well-known/ortaq-node.json", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise AssertionError(f"{self.url} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=20)
        self.server = None

    def token(self) -> str:
        self.cli("manage", "createsuperuser", "--noinput", "--username", "operator", "--email", "operator@example.org")
        return self.cli("manage", "api_token", "operator", "--name", "federation test").stdout.strip().splitlines()[-1]

    def api(self, method: str, path: str, token: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/api/v1/{path}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read())


def _migrated_copies(root: Path, *nodes: Node) -> None:
    """Migrate one database and give each node a copy (a fresh migration costs tens of seconds on a busy
    machine), without the node key the migration made: each node makes its own when it starts."""
    template = Node(root, "template", "")
    template.cli("manage", "migrate", "--verbosity", "0")
    for node in nodes:
        folder = Path(node.env["ORTAQ_DATA_DIR"])
        folder.mkdir(parents=True)
        shutil.copy(Path(template.env["ORTAQ_DATA_DIR"]) / "ortaq.sqlite3", folder / "ortaq.sqlite3")
        with closing(sqlite3.connect(folder / "ortaq.sqlite3")) as db, db:
            db.execute("DELETE FROM federation_nodekey")


@pytest.fixture
def nodes(tmp_path):
    kz, cn = Node(tmp_path, "kz", "KZ"), Node(tmp_path, "cn", "CN")
    _migrated_copies(tmp_path, kz, cn)
    try:
        kz.start()
        cn.start()
        kz.wait_ready()
        cn.wait_ready()
        yield kz, cn
    finally:
        kz.stop()
        cn.stop()


def _at_once(*calls):
    """Run independent commands of the two operators side by side (each is a Python process start)."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def test_two_nodes_peer_share_institutions_catch_up_after_an_outage_and_agree(nodes):
    kz, cn = nodes
    started = time.monotonic()
    cn_token, kz_token = _at_once(cn.token, kz.token)
    college = cn.api("POST", "institutions/", cn_token, {"kind": "college", "name_original": "乌鲁木齐职业大学", "name_zh": "乌鲁木齐职业大学",
                                                         "name_latin": "Urumqi Vocational University", "country": "CN", "city": "Urumqi"})
    almaty = kz.api("POST", "institutions/", kz_token, {"kind": "college", "name_original": "Алматы политехникалық колледжі",
                                                        "name_latin": "Almaty Polytechnic College", "country": "KZ", "city": "Almaty"})

    # Trust, pinned to the fingerprint the other operator read out (the manifest lists it): a wrong one is refused.
    with urllib.request.urlopen(f"{cn.url}/.well-known/ortaq-node.json", timeout=10) as response:
        fingerprint = json.loads(response.read())["keys"][0]["fingerprint"]
    wrong = kz.cli("federation", "peer", "add", cn.url, "--fingerprint", "0" * 64, check=False)
    assert wrong.returncode != 0 and "fingerprint mismatch" in wrong.stderr
    added, _ = _at_once(lambda: kz.cli("federation", "peer", "add", cn.url, "--fingerprint", fingerprint).stdout,
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
