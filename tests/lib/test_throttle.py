"""Throttle counters: the limit holds, a new window starts afresh, and the count is shared by every process
that uses the same cache (the database cache of the embedded default, or Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from django.utils import translation

from ortaq.lib import throttle
from ortaq.lib.throttle import Throttled, client_address, throttle_hit, throttle_limits, throttle_reset

HOUR = 3600
# Windows are aligned on the epoch; one of ~30 years cannot end while a test runs.
FOREVER = 10**9


def _scope() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


def _hits(scope: str, key: str, n: int, *, limit: int, window: int = FOREVER) -> list[bool]:
    """For each of n hits, whether it was let through."""
    passed = []
    for _ in range(n):
        try:
            throttle_hit(scope, key, limit=limit, window=window)
            passed.append(True)
        except Throttled:
            passed.append(False)
    return passed


def test_it_lets_the_limit_through_and_refuses_the_next_hit(db):
    scope = _scope()
    assert _hits(scope, "203.0.113.7", 5, limit=3) == [True, True, True, False, False]


def test_it_counts_each_key_apart(db):
    scope = _scope()
    assert _hits(scope, "alice", 2, limit=2) == [True, True]
    assert _hits(scope, "bob", 2, limit=2) == [True, True]
    assert _hits(scope, "alice", 1, limit=2) == [False]


def test_the_next_window_starts_from_zero(db, monkeypatch):
    scope = _scope()
    now = [1_000_000 * HOUR + 10.0]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    assert _hits(scope, "k", 3, limit=2, window=HOUR) == [True, True, False]
    now[0] += HOUR
    assert _hits(scope, "k", 3, limit=2, window=HOUR) == [True, True, False]


def test_retry_after_is_the_time_left_in_the_window(db, monkeypatch):
    scope = _scope()
    monkeypatch.setattr(throttle, "_now", lambda: 1_000_000 * HOUR + 600.0)
    throttle_hit(scope, "k", limit=1, window=HOUR)
    with pytest.raises(Throttled) as refused:
        throttle_hit(scope, "k", limit=1, window=HOUR)
    assert refused.value.retry_after == 3000
    assert refused.value.status == 429 and refused.value.code == "throttled"
    assert str(refused.value.message) == "Too many attempts, try again in 50 minutes."


def test_the_message_follows_the_active_language(db):
    error = Throttled(retry_after=60)
    with translation.override("ru"):
        expected = translation.ngettext(
            "Too many attempts, try again in %(minutes)d minute.", "Too many attempts, try again in %(minutes)d minutes.", 1
        ) % {"minutes": 1}
        assert str(error.message) == expected
    assert str(error.message) == "Too many attempts, try again in 1 minute."


def test_reset_forgets_the_hits_of_a_key(db, settings):
    scope = _scope()
    settings.ORTAQ_THROTTLES = {**settings.ORTAQ_THROTTLES, scope: (2, HOUR)}
    limit, window = throttle_limits(scope)
    assert _hits(scope, "k", 3, limit=limit, window=window) == [True, True, False]
    throttle_reset(scope, "k")
    assert _hits(scope, "k", 2, limit=limit, window=window) == [True, True]


def test_every_scope_the_platform_uses_has_limits():
    for scope in ("login_account", "login_client", "share_code", "verify_page", "vc_verify", "vc_issue"):
        limit, window = throttle_limits(scope)
        assert limit > 0 and window > 0
    with pytest.raises(KeyError, match="unknown throttle scope"):
        throttle_limits("no_such_scope")


def test_the_database_cache_counts_atomically(db):
    cache = caches["throttle"]
    key = f"c:{uuid.uuid4().hex}"
    assert cache.add(key, 0, timeout=60)
    assert [cache.incr(key) for _ in range(3)] == [1, 2, 3]
    assert cache.decr(key) == 2
    with pytest.raises(ValueError):
        cache.incr(f"missing:{uuid.uuid4().hex}")


# Client addresses ---------------------------------------------------------------------------------------

def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_the_client_is_remote_addr_and_a_forwarded_header_is_ignored_by_default(settings):
    settings.ORTAQ_PROXY_CLIENT_HEADER = ""
    assert client_address(_request(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1")) == "10.0.0.5"


def test_the_configured_proxy_header_counts_its_right_most_entry(settings):
    settings.ORTAQ_PROXY_CLIENT_HEADER = "HTTP_X_FORWARDED_FOR"
    # The client wrote "1.1.1.1" itself; the proxy appended the address it saw.
    request = _request(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    assert client_address(request) == "198.51.100.7"
    assert client_address(_request(REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"  # header missing: the peer


def test_ipv6_clients_count_per_64_block_and_ports_are_dropped(settings):
    settings.ORTAQ_PROXY_CLIENT_HEADER = "HTTP_X_REAL_IP"
    assert client_address(_request(HTTP_X_REAL_IP="2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert client_address(_request(HTTP_X_REAL_IP="2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::/64"
    assert client_address(_request(HTTP_X_REAL_IP="[2001:db8::1]:443")) == "2001:db8::/64"
    assert client_address(_request(HTTP_X_REAL_IP="203.0.113.9:51234")) == "203.0.113.9"
    assert client_address(_request(HTTP_X_REAL_IP="::ffff:203.0.113.9")) == "203.0.113.9"


# Across processes -----------------------------------------------------------------------------------------

HITTER = """
import os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "ortaq.settings"
django.setup()
from ortaq.lib.throttle import Throttled, throttle_hit
scope, key, n, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
refused = 0
for _ in range(n):
    try:
        throttle_hit(scope, key, limit=limit, window=10**9)
    except Throttled:
        refused += 1
print(refused)
"""


def _run_processes(env: dict, scope: str, *, processes: int, hits: int, limit: int) -> list[int]:
    """Start the processes together, each hitting (scope, "shared") `hits` times; how many each was refused."""
    running = [
        subprocess.Popen([sys.executable, "-c", HITTER, scope, "shared", str(hits), str(limit)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    refused = []
    for process in running:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        refused.append(int(out.strip()))
    return refused


def _database_env(tmp_path) -> dict:
    env = {**os.environ, "ORTAQ_DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 50}
    env.pop("CACHE_URL", None)
    env.pop("REDIS_URL", None)
    if connection.vendor == "postgresql":
        # The test database itself: the processes see each other's committed counts and ours.
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        # The SQLite test database lives in memory; the processes share a file database of their own.
        env.pop("DATABASE_URL", None)
        subprocess.run([sys.executable, "-m", "ortaq.cli", "manage", "createcachetable"], env=env, check=True,
                       capture_output=True)
    return env


@pytest.mark.django_db(transaction=True)
def test_processes_on_the_database_cache_share_one_count_and_one_limit(tmp_path):
    env = _database_env(tmp_path)
    scope = _scope()
    refused = _run_processes(env, scope, processes=3, hits=20, limit=25)
    # 60 hits against a limit of 25: exactly 35 refused, however the processes interleaved. A count kept
    # per process would refuse none; an increment that lost updates would refuse fewer.
    assert sum(refused) == 35
    refused = _run_processes(env, scope, processes=1, hits=1, limit=61)
    assert refused == [0]  # the 61st hit: the count is exactly 60 before it


def _redis_url() -> str:
    url = os.getenv("ORTAQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:  # no server here: the database-cache tests above still run
        pytest.skip(f"no Redis answers at {url} ({type(error).__name__})")
    return url


def test_two_redis_clients_share_one_count(settings):
    url = _redis_url()
    from django.core.cache.backends.redis import RedisCache

    prefix = f"ortaq-test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}}
    other = RedisCache(url, {"KEY_PREFIX": prefix})  # another process's client: its own connection pool
    assert other is not caches["throttle"]
    scope = _scope()
    name = throttle._entry(scope, "k", FOREVER, throttle._now())[0]
    try:
        assert _hits(scope, "k", 2, limit=3) == [True, True]
        assert other.get(name) == 2
        other.incr(name)
        assert _hits(scope, "k", 1, limit=3) == [False]
    finally:
        other.delete(name)


def test_processes_on_redis_share_one_count_and_one_limit(tmp_path):
    url = _redis_url()
    env = {**os.environ, "ORTAQ_DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 50, "CACHE_URL": url}
    scope = _scope()
    try:
        refused = _run_processes(env, scope, processes=3, hits=20, limit=25)
        assert sum(refused) == 35
    finally:
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"ortaq:*{scope}*"):
            client.delete(key)
