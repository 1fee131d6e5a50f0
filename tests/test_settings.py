"""Settings are parsed strictly and importing them has no side effects (Healthchecks' way)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from ortaq import settings as ortaq_settings
from ortaq.platform_cli import data_dir_prepare


def _import_settings(cwd, *, code: str = "import ortaq.settings", **env) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter, outside pytest, with exactly the variables given."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("ORTAQ_", "SECRET_KEY", "DEBUG", "CACHE_URL", "REDIS_URL", "DATABASE_URL"))}
    base.pop("PYTEST_VERSION", None)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env={**base, **env}, capture_output=True, text=True)


def test_a_mistyped_boolean_stops_the_import_naming_the_variable_and_value(tmp_path):
    result = _import_settings(tmp_path, DEBUG="ture", SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG='ture' is not a boolean: use 1/0, true/false, yes/no or on/off" in result.stderr


def test_a_non_numeric_integer_stops_the_import_naming_the_variable_and_value(tmp_path):
    result = _import_settings(tmp_path, IMPORT_MAX_ROWS="20k", SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "ImproperlyConfigured: IMPORT_MAX_ROWS='20k' is not a whole number" in result.stderr


def test_importing_settings_and_setting_up_django_writes_nothing(tmp_path):
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'ortaq.settings'; django.setup()"
    result = _import_settings(tmp_path, code=code, SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []  # no var/, no secret_key, no static/


def test_without_any_key_the_import_says_how_to_set_one_and_writes_nothing(tmp_path):
    result = _import_settings(tmp_path)
    assert result.returncode != 0
    assert "No secret key: set SECRET_KEY (or SECRET_KEY_FILE" in result.stderr and "ortaq serve" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_key_generated_by_the_cli_is_private_kept_and_read_by_the_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    monkeypatch.setenv("ORTAQ_DATA_DIR", str(tmp_path / "data"))
    data_dir = data_dir_prepare()
    key_file = data_dir / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key_file.read_text()) >= 50
    first = key_file.read_text()
    data_dir_prepare()
    assert key_file.read_text() == first
    assert sorted(p.name for p in data_dir.iterdir()) == ["secret_key", "static"]
    read = _import_settings(tmp_path, code="import ortaq.settings as s; print(s.SECRET_KEY)", ORTAQ_DATA_DIR=str(data_dir))
    assert read.stdout.strip() == first


def test_the_cli_writes_no_key_when_the_environment_gives_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 50)
    monkeypatch.setenv("ORTAQ_DATA_DIR", str(tmp_path))
    data_dir_prepare()
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("TRUE", True), (" yes ", True), ("On", True), ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_booleans_accept_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("ORTAQ_SOME_FLAG", value)
    assert ortaq_settings.envbool("ORTAQ_SOME_FLAG") is expected


def test_an_unset_or_empty_boolean_or_integer_takes_its_default(monkeypatch):
    monkeypatch.delenv("ORTAQ_SOME_FLAG", raising=False)
    assert ortaq_settings.envbool("ORTAQ_SOME_FLAG", "1") is True
    monkeypatch.setenv("ORTAQ_SOME_FLAG", "")
    assert ortaq_settings.envbool("ORTAQ_SOME_FLAG", "0") is False
    assert ortaq_settings.envint("ORTAQ_SOME_FLAG", 7) == 7


@pytest.mark.parametrize("value", ["ture", "2", "y", "enabled"])
def test_other_booleans_are_refused(monkeypatch, value):
    monkeypatch.setenv("ORTAQ_SOME_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=f"ORTAQ_SOME_FLAG='{value}' is not a boolean"):
        ortaq_settings.envbool("ORTAQ_SOME_FLAG")


def test_throttle_limits_can_be_overridden_per_scope(tmp_path):
    code = "import ortaq.settings as s; print(s.ORTAQ_THROTTLES['login_account'], s.ORTAQ_THROTTLES['share_code'])"
    result = _import_settings(tmp_path, code=code, SECRET_KEY="k" * 50, ORTAQ_THROTTLE_LOGIN_ACCOUNT="5/600")
    assert result.stdout.strip() == f"(5, 600) {ortaq_settings.ORTAQ_THROTTLES['share_code']}"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("ORTAQ_THROTTLE_LOGIN_ACCOUNT", "5 per minute", "ORTAQ_THROTTLE_LOGIN_ACCOUNT='5 per minute': write limit/window in seconds"),
    ("ORTAQ_THROTTLE_LOGIN_ACCOUNT", "5/0", "write limit/window in seconds"),
    ("ORTAQ_THROTTLE_LOGIN_ACOUNT", "5/600", "ORTAQ_THROTTLE_LOGIN_ACOUNT: no throttle scope 'login_acount'"),
    ("ORTAQ_PROXY_CLIENT_HEADER", "X-Forwarded-For", "give the request.META key, e.g. HTTP_X_FORWARDED_FOR"),
    ("CACHE_URL", "memcached://127.0.0.1:11211", "CACHE_URL/REDIS_URL must be a redis://"),
])
def test_malformed_throttle_proxy_and_cache_settings_stop_the_import(tmp_path, name, value, message):
    result = _import_settings(tmp_path, SECRET_KEY="k" * 50, **{name: value})
    assert result.returncode != 0 and message in result.stderr


def test_a_redis_url_puts_the_throttle_counters_in_redis_and_the_default_is_the_database(tmp_path):
    code = "import ortaq.settings as s; print(s.CACHES['throttle']['BACKEND'], s.CACHES['throttle'].get('LOCATION'))"
    redis = _import_settings(tmp_path, code=code, SECRET_KEY="k" * 50, REDIS_URL="redis://127.0.0.1:6379/2")
    assert redis.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/2"]
    default = _import_settings(tmp_path, code=code, SECRET_KEY="k" * 50)
    assert default.stdout.split() == ["ortaq.lib.dbcache.DatabaseCache", "ortaq_cache"]
