import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("path", ["/kk/", "/ru/", "/zh-hans/", "/en/"])
def test_every_language_has_a_home_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert f'<html lang="{path.strip("/")}">'.encode() in response.content


def test_the_root_redirects_to_a_language(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] in {"/en/", "/kk/", "/ru/", "/zh-hans/"}


def test_openapi_and_docs_are_served_without_any_cdn(client, db):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/institutions/" in schema.json()["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower() and "unpkg" not in docs and "jsdelivr" not in docs
    assert "/static/ninja/swagger-ui" in docs


def test_pages_send_a_content_security_policy_with_a_nonce(client, db):
    header = client.get("/en/")["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in header and "object-src 'none'" in header


def test_kazakh_dates_use_the_kazakh_format_module(db):
    import datetime as dt

    from django.utils import formats, translation

    with translation.override("kk"):
        assert formats.date_format(dt.date(2026, 3, 5), "SHORT_DATE_FORMAT") == "05.03.2026"
        assert formats.number_format(1234567.5, 1, force_grouping=True) == "1\xa0234\xa0567,5"


def test_production_settings_are_secure_when_debug_is_off(tmp_path):
    code = (
        "import ortaq.settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.PASSWORD_HASHERS[0].endswith('Argon2PasswordHasher'), bool(s.SECURE_CSP), s.ALLOWED_HOSTS)"
    )
    env = {**os.environ, "DEBUG": "0", "ORTAQ_DATA_DIR": str(tmp_path), "ALLOWED_HOSTS": "ortaq.example.org"}
    env.pop("ORTAQ_INSECURE_HTTP", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True True True True True ['ortaq.example.org']"


def test_the_demo_data_loads_twice_without_duplicates(db):
    from ortaq.accounts.models import Membership, User
    from ortaq.agreements.models import Agreement
    from ortaq.demo import load_demo

    first = load_demo()
    counts = (User.objects.count(), Membership.objects.count(), Agreement.objects.count())
    assert load_demo() == first
    assert (User.objects.count(), Membership.objects.count(), Agreement.objects.count()) == counts
    states = set(Agreement.objects.values_list("state", flat=True))
    assert states == {"draft", "proposed", "approved", "in_effect", "terminated"}
    roles = set(Membership.objects.values_list("role", flat=True))
    assert len(roles) == 9


def test_the_ortaq_command_prints_usage_and_refuses_unknown_commands(capsys):
    from ortaq.cli import main

    assert main(["--help"]) == 0
    assert "serve" in capsys.readouterr().out
    assert main(["fly"]) == 2
