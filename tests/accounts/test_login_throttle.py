"""Failed sign-ins and reset requests are throttled per account and per client address, in the database
cache shared by every web process (tests/lib/test_throttle.py proves the sharing)."""

from __future__ import annotations

import pytest
from django.contrib.auth import forms as auth_forms
from django.core import mail
from django.utils import translation

PASSWORD = "correct horse battery"  # tests/conftest.make_user
LOCKED = "Too many attempts, try again in 15 minutes."


@pytest.fixture
def limits(settings):
    def set_limits(**scopes):
        settings.ORTAQ_THROTTLES = {**settings.ORTAQ_THROTTLES, **scopes}
    return set_limits


def _sign_in(client, username, password, *, language="en", **meta):
    return client.post(f"/{language}/accounts/login/", {"username": username, "password": password}, **meta)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_an_account_is_locked_after_its_failed_sign_ins_and_the_right_password_is_refused_too(client, world, limits, monkeypatch):
    limits(login_account=(3, 900), login_client=(100, 900))
    assert [_sign_in(client, "teacher_a", "wrong").status_code for _ in range(3)] == [200, 200, 200]
    checked = []
    real_authenticate = auth_forms.authenticate
    monkeypatch.setattr(auth_forms, "authenticate", lambda *a, **kw: checked.append(kw) or real_authenticate(*a, **kw))
    response = _sign_in(client, "teacher_a", PASSWORD)
    assert response.status_code == 429 and int(response["Retry-After"]) <= 900
    assert "Too many attempts, try again in" in response.content.decode()
    assert not _signed_in(client)
    assert checked == []  # the password was not even looked at


def test_the_lock_covers_the_user_name_in_any_case(client, world, limits):
    limits(login_account=(2, 900), login_client=(100, 900))
    _sign_in(client, "teacher_a", "wrong")
    _sign_in(client, "TEACHER_A", "wrong")
    assert _sign_in(client, "Teacher_A ", "wrong").status_code == 429


def test_a_successful_sign_in_clears_the_accounts_failures(client, world, limits):
    limits(login_account=(3, 900), login_client=(100, 900))
    for _ in range(2):
        _sign_in(client, "teacher_a", "wrong")
    assert _sign_in(client, "teacher_a", PASSWORD).status_code == 302 and _signed_in(client)
    client.logout()
    assert [_sign_in(client, "teacher_a", "wrong").status_code for _ in range(3)] == [200, 200, 200]
    assert _sign_in(client, "teacher_a", "wrong").status_code == 429


def test_a_client_address_is_locked_whatever_account_it_tries_and_other_addresses_are_not(client, world, limits):
    limits(login_account=(100, 900), login_client=(3, 900))
    for username in ("teacher_a", "student_a", "nobody"):
        assert _sign_in(client, username, "wrong", REMOTE_ADDR="198.51.100.4").status_code == 200
    locked = _sign_in(client, "coordinator_a", PASSWORD, REMOTE_ADDR="198.51.100.4")
    assert locked.status_code == 429 and not _signed_in(client)
    assert _sign_in(client, "coordinator_a", PASSWORD, REMOTE_ADDR="198.51.100.5").status_code == 302


def test_successful_sign_ins_do_not_use_up_an_addresss_allowance(client, world, limits):
    limits(login_account=(100, 900), login_client=(2, 900))
    for username in ("teacher_a", "student_a", "coordinator_a", "registrar_a"):  # a class behind one NAT
        assert _sign_in(client, username, PASSWORD).status_code == 302
        client.logout()


def test_a_forwarded_header_counts_only_when_the_proxy_is_configured(client, world, limits, settings):
    limits(login_account=(100, 900), login_client=(2, 900))
    # Not configured: a client that writes its own X-Forwarded-For is still counted by its address.
    statuses = [_sign_in(client, "x", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    settings.ORTAQ_PROXY_CLIENT_HEADER = "HTTP_X_FORWARDED_FOR"
    # Configured: the address the proxy appended counts (the peer, 127.0.0.1, is locked by now), whatever
    # the client wrote to its left.
    statuses = [_sign_in(client, "x", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.9, 203.0.113.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 200]
    statuses = [_sign_in(client, "x", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.2").status_code for n in range(2)]
    assert statuses == [200, 429]


def test_the_lock_out_message_is_in_the_language_of_the_page(client, world, limits, monkeypatch):
    from ortaq.lib import throttle

    monkeypatch.setattr(throttle, "_now", lambda: 1_000_000 * 900.0)  # the start of a window: 15 minutes left
    limits(login_account=(1, 900), login_client=(100, 900))
    _sign_in(client, "teacher_a", "wrong", language="ru")
    response = _sign_in(client, "teacher_a", "wrong", language="ru")
    assert response.status_code == 429
    page = response.content.decode()
    with translation.override("ru"):
        expected = translation.ngettext(
            "Too many attempts, try again in %(minutes)d minute.", "Too many attempts, try again in %(minutes)d minutes.", 15
        ) % {"minutes": 15}
        sign_in = translation.gettext("Sign in")
    assert 'lang="ru"' in page and sign_in != "Sign in" and sign_in in page
    assert expected in page


def test_the_english_lock_out_message_names_the_minutes_left(client, world, limits, monkeypatch):
    from ortaq.lib import throttle

    monkeypatch.setattr(throttle, "_now", lambda: 1_000_000 * 900.0)  # the start of a window
    limits(login_account=(1, 900), login_client=(100, 900))
    _sign_in(client, "teacher_a", "wrong")
    assert LOCKED in _sign_in(client, "teacher_a", "wrong").content.decode()


def test_password_reset_requests_are_throttled_per_email_address(client, world, limits):
    limits(password_reset_email=(2, 3600), password_reset_client=(100, 3600))
    world["teacher_a"].email = "teacher@example.org"
    world["teacher_a"].save()
    statuses = [client.post("/en/accounts/password/reset/", {"email": "Teacher@example.org"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_password_reset_requests_are_throttled_per_client_address(client, world, limits):
    limits(password_reset_email=(100, 3600), password_reset_client=(2, 3600))
    statuses = [client.post("/en/accounts/password/reset/", {"email": f"n{n}@example.org"}).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert "Too many attempts" in client.post("/en/accounts/password/reset/", {"email": "z@example.org"}).content.decode()


def test_the_admins_sign_in_form_is_held_to_the_same_limits(client, world, limits, monkeypatch):
    limits(login_account=(2, 900), login_client=(100, 900))
    _sign_in(client, "admin", "wrong")  # one failure on our page, one on the admin's: one count
    assert client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "wrong"}).status_code == 200
    checked = []
    real_authenticate = auth_forms.authenticate
    monkeypatch.setattr(auth_forms, "authenticate", lambda *a, **kw: checked.append(kw) or real_authenticate(*a, **kw))
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
    assert "Too many attempts, try again in" in response.content.decode()
    assert not _signed_in(client) and checked == []


def test_a_field_left_empty_gives_nothing_back(client, world, limits):
    limits(login_account=(100, 900), login_client=(2, 900))
    assert [_sign_in(client, "teacher_a", "").status_code for _ in range(2)] == [200, 200]
    assert _sign_in(client, "teacher_a", PASSWORD).status_code == 429
