"""`ortaq serve --port P` names itself by the address it listens on: one setting, SITE_ROOT, derived from
--host/--port unless it is given, feeds the issuer's did:web, status lists, verification links and e-mails."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from ortaq.settings import site_root_for

_ISSUER = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from ortaq.credentials.keys import issuer_ensure
from ortaq.institutions.models import Institution
college = Institution.objects.create(kind="college", name_original="Колледж", name_latin="Kolledzh", country="KZ")
issuer_ensure(actor=None, institution=college)
print(college.pk)
"""


def _environment(tmp_path, **extra) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("ORTAQ_", "SITE_ROOT", "DATABASE_URL", "PYTEST_VERSION", "DJANGO_SETTINGS_MODULE"))}
    return {**base, "ORTAQ_DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 50, "ORTAQ_INSECURE_HTTP": "1", **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, *, within: float = 120.0) -> bytes:
    """The body at url, waiting for a server that is still migrating and starting."""
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.read()
        except urllib.error.HTTPError:
            raise  # the server answered: no reason to wait
        except OSError:  # not listening yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", 8765, "http://127.0.0.1:8765"),
    ("localhost", 9000, "http://localhost:9000"),
    ("0.0.0.0", 8000, "http://127.0.0.1:8000"),
    ("::1", 8001, "http://[::1]:8001"),
])
def test_a_server_is_named_by_the_address_it_listens_on(host, port, expected):
    assert site_root_for(host, port) == expected


@pytest.mark.parametrize(("extra", "expected"), [
    ({}, "http://127.0.0.1:8000"),
    ({"ORTAQ_PORT": "8765"}, "http://127.0.0.1:8765"),
    ({"ORTAQ_PORT": "8765", "SITE_ROOT": "https://ortaq.example.kz/"}, "https://ortaq.example.kz"),
])
def test_the_site_root_follows_the_port_unless_it_is_set(tmp_path, extra, expected):
    code = "import ortaq.settings as s; print(s.SITE_ROOT)"
    result = subprocess.run([sys.executable, "-c", code], env=_environment(tmp_path, **extra),
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == expected


def test_ortaq_serve_on_another_port_names_that_port_in_the_issuers_did_web(tmp_path):
    port = _free_port()
    # The issuer is made by an operator's command given the same port; the server then publishes its DID
    # document under the domain it names itself by, which must be that port, not 8000.
    env = _environment(tmp_path, DJANGO_SETTINGS_MODULE="ortaq.settings", ORTAQ_PORT=str(port))
    made = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + _ISSUER], env=env,
                          capture_output=True, text=True, check=True)
    institution_id = int(made.stdout.strip().splitlines()[-1])
    server = subprocess.Popen([sys.executable, "-m", "ortaq.cli", "serve", "--port", str(port), "--no-worker", "--threads", "2"],
                              env=_environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        document = json.loads(_get(f"http://127.0.0.1:{port}/issuers/{institution_id}/did.json"))
        page = _get(f"http://127.0.0.1:{port}/en/verify/").decode()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert document["id"] == f"did:web:127.0.0.1%3A{port}:issuers:{institution_id}"
    assert "8000" not in document["id"]
    assert "<html" in page
    assert f"Ortaq is serving at http://127.0.0.1:{port}/" in output
