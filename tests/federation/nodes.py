"""Ortaq nodes as separate `ortaq serve` processes, for the `nodes` tests (test_two_nodes.py, test_netns.py): each
with its own data folder (SQLite database, secret key), listening on loopback or inside a network namespace, and
driven through the command line as its operator would.

Most of a journey's time is starting Python processes (about 3.5 s of CPU each); `at_once` runs independent
commands of the operators side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_namespace(namespace: str | None, call: Callable[[], T]) -> T:
    """`call()` with the sockets it opens inside the network namespace `namespace` (None: this process's own).
    setns(2) moves only the calling thread, so a thread of its own enters the namespace and ends with it."""
    if namespace is None:
        return call()
    outcome: dict[str, Any] = {}

    def enter_and_call() -> None:
        try:
            with open(f"/run/netns/{namespace}") as handle:
                os.setns(handle.fileno(), os.CLONE_NEWNET)
            outcome["value"] = call()
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=enter_and_call, name=f"netns {namespace}")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class Node:
    """One node. With `namespace`, the server and every command of its operator run inside that network
    namespace (`ip netns exec`), and the test reaches it from there too."""

    def __init__(self, root: Path, name: str, country: str, *, host: str = "127.0.0.1", port: int | None = None,
                 namespace: str | None = None) -> None:
        self.host, self.port, self.namespace = host, port or free_port(), namespace
        self.url = f"http://{host}:{self.port}"
        self.data_dir = root / name
        self.log = root / f"{name}.log"
        # Its own data folder (SQLite database, secret key): nothing of the test's database settings leaks in.
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "SECRET_KEY_FILE"}}
        self.env |= {"ORTAQ_DATA_DIR": str(self.data_dir), "SITE_ROOT": self.url, "ORTAQ_NODE_NAME": name, "ORTAQ_NODE_COUNTRY": country,
                     "ORTAQ_INSECURE_HTTP": "1", "ORTAQ_WARMUP": "0", "DJANGO_SUPERUSER_PASSWORD": "correct horse battery",
                     "ALLOWED_HOSTS": f"localhost,127.0.0.1,{host}"}
        self.server: subprocess.Popen | None = None

    def _command(self, *args: str) -> list[str]:
        inside = ["ip", "netns", "exec", self.namespace] if self.namespace else []
        return [*inside, sys.executable, "-m", "ortaq.cli", *args]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(self._command(*args), env=self.env, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise AssertionError(f"ortaq {' '.join(args)} on {self.url}: {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.server = subprocess.Popen(self._command("serve", "--host", self.host, "--port", str(self.port), "--no-worker"),
                                           env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def reach(self, call: Callable[[], T]) -> T:
        """`call()` from where the node can be reached (its network namespace, if it has one)."""
        return in_namespace(self.namespace, call)

    def manifest(self, timeout: float = 10) -> dict:
        def read() -> dict:
            with urllib.request.urlopen(f"{self.url}/.well-known/ortaq-node.json", timeout=timeout) as response:
                return json.loads(response.read())

        return self.reach(read)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.server is not None and self.server.poll() is None, self.log.read_text()[-3000:]
            try:
                self.manifest(timeout=2)
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise AssertionError(f"{self.url} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=20)
        self.server = None

    def token(self) -> str:
        self.cli("manage", "createsuperuser", "--noinput", "--username", "operator", "--email", "operator@example.org")
        return self.cli("manage", "api_token", "operator", "--name", "federation test").stdout.strip().splitlines()[-1]

    def api(self, method: str, path: str, token: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/api/v1/{path}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})

        def send() -> dict:
            with urllib.request.urlopen(request, timeout=20) as response:
                return json.loads(response.read())

        return self.reach(send)

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Rows of the node's own SQLite database, read-only (the server may be running)."""
        with closing(sqlite3.connect(f"file:{self.data_dir / 'ortaq.sqlite3'}?mode=ro", uri=True)) as db:
            return db.execute(sql, params).fetchall()


def migrated_copies(root: Path, *nodes: Node) -> None:
    """Migrate one database and give each node a copy (a fresh migration costs tens of seconds on a busy
    machine), without the node key the migration made: each node makes its own when it starts."""
    template = Node(root, "template", "")
    template.cli("manage", "migrate", "--verbosity", "0")
    for node in nodes:
        node.data_dir.mkdir(parents=True)
        shutil.copy(template.data_dir / "ortaq.sqlite3", node.data_dir / "ortaq.sqlite3")
        with closing(sqlite3.connect(node.data_dir / "ortaq.sqlite3")) as db, db:
            db.execute("DELETE FROM federation_nodekey")


@contextmanager
def running(root: Path, *, demo: bool = False) -> Iterator[tuple[Node, Node]]:
    """A Kazakh and a Chinese node on loopback, migrated (with `demo`: each loaded with its country's demo, `ortaq demo
    --node kz|cn`), started, and stopped at the end."""
    kz, cn = Node(root, "kz", "KZ"), Node(root, "cn", "CN")
    migrated_copies(root, kz, cn)
    if demo:
        at_once(lambda: kz.cli("demo", "--node", "kz"), lambda: cn.cli("demo", "--node", "cn"))
    try:
        kz.start()
        cn.start()
        kz.wait_ready()
        cn.wait_ready()
        yield kz, cn
    finally:
        kz.stop()
        cn.stop()


def at_once(*calls: Callable[[], Any]) -> list:
    """Run independent commands of the operators side by side (each is a Python process start)."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]
