"""A test database that other processes and threads really share: a copy of the (migrated) test database.

pytest-django's SQLite test database lives in memory, where a worker subprocess cannot reach it and where
threads meet shared-cache table locks instead of SQLite's real locking. The crash test needs a worker process and
the race tests need threads with their own connections, so they run on a copy: a file made with SQLite's backup
API, or on PostgreSQL a database made from the test database as its template. The default connection points at
the copy for the test and back after.

A test asks for it first, then for `transactional_db` (so that what it writes is committed, where the threads and
processes see it), then for anything else: `def test_it(shared_db, transactional_db, ...)`, with
`from tests.jobs.shared_database import shared_db  # noqa: F401`.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connections


@dataclass
class SharedDatabase:
    vendor: str
    data_dir: Path  # ORTAQ_DATA_DIR of worker processes (the SQLite copy, media files)
    env: dict[str, str]  # environment for a worker process on the same database, data folder and secret key


def _postgres_url(settings_dict: dict, name: str) -> str:
    credentials = quote(settings_dict["USER"] or "")
    if settings_dict["PASSWORD"]:
        credentials += ":" + quote(settings_dict["PASSWORD"])
    return f"postgres://{credentials}@{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}/{name}"


def _copy_postgres(connection, source: str, copy: str) -> None:
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        # A template must have no other sessions; any left are idle ones of this test process's finished threads.
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [source])
        cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')


def _drop_postgres(connection, copy: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


@pytest.fixture
def shared_db(request, django_db_setup, django_db_blocker, settings, tmp_path) -> SharedDatabase:
    names = request.fixturenames
    # Set up before the test's database fixture (which then runs on the copy), and as a transactional test.
    assert "transactional_db" in names and names.index("shared_db") < names.index("transactional_db"), \
        "ask for shared_db, then transactional_db, before any other database fixture"
    connection = connections["default"]
    data_dir = tmp_path / "shared"
    data_dir.mkdir()
    env = {**os.environ, "ORTAQ_DATA_DIR": str(data_dir), "SECRET_KEY": settings.SECRET_KEY, "PYTHONUNBUFFERED": "1"}
    env.pop("TASKS_BACKEND", None)
    env.pop("DATABASE_URL", None)
    settings_dict = connection.settings_dict  # the same dict every thread's new connection is made from
    original_name, detached = settings_dict["NAME"], None
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            copy = str(data_dir / "ortaq.sqlite3")  # where a worker with this ORTAQ_DATA_DIR looks
            connection.ensure_connection()
            target = sqlite3.connect(copy)
            connection.connection.backup(target)
            target.close()
            # Closing the in-memory test database's last connection would destroy it: keep it aside instead.
            detached, connection.connection = connection.connection, None
        else:
            copy = f"{original_name}_shared"[:63]
            _copy_postgres(connection, original_name, copy)
            env["DATABASE_URL"] = _postgres_url(settings_dict, copy)
        settings_dict["NAME"] = copy
    settings.MEDIA_ROOT = data_dir / "media"
    try:
        yield SharedDatabase(vendor=connection.vendor, data_dir=data_dir, env=env)
    finally:
        with django_db_blocker.unblock():
            connection.close()
            settings_dict["NAME"] = original_name
            if detached is not None:
                connection.connection = detached
            else:
                _drop_postgres(connection, copy)
