"""Shared fixtures: a small world of two Kazakh colleges (A, B), a Chinese partner college (C), a ministry,
and one person per role, so tests read as "a coordinator of A cannot change B"."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ortaq.accounts.models import Membership, Role, User
from ortaq.institutions.models import Institution


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Argon2 is the production hasher; tests need speed, not resistance to brute force.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background tasks run at once in tests (the worker's code path is the same function).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    # A request under /kk/ or /zh-hans/ leaves that language active in the thread; start every test in English.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


def pytest_configure(config):
    # Importing settings makes no folder, so STATIC_ROOT may be missing; tests serve static files from the apps.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")

_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(request, django_db_blocker):
    """Every test starts with no throttle counts (failed logins, verifications) left by an earlier one.

    The counters live in the database cache: cleared after each test that used the test database (rows
    of an ordinary test roll back anyway; a live-server test's are committed), never before the test
    database exists. A Redis cache (CACHE_URL) is cleared after every test."""
    yield
    from django.core.cache import caches

    from ortaq.lib.dbcache import DatabaseCache

    cache = caches["throttle"]
    if not isinstance(cache, DatabaseCache):
        cache.clear()
    elif _DATABASE_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        with django_db_blocker.unblock():
            cache.clear()


def make_institution(name: str, *, country: str = "KZ", kind: str = "college", **extra) -> Institution:
    return Institution.objects.create(
        kind=kind, name_original=name, name_latin=name, name_en=name, country=country, city="City", **extra
    )


def make_user(username: str, *memberships: tuple[Institution, str], superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery", full_name=username.title())
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    for institution, role in memberships:
        Membership.objects.create(user=user, institution=institution, role=role)
    return user


@dataclass
class World:
    a: Institution
    b: Institution
    c: Institution
    ministry: Institution
    users: dict[str, User]

    def __getitem__(self, key: str) -> User:
        return self.users[key]


@pytest.fixture
def world(db) -> World:
    a = make_institution("College A")
    b = make_institution("College B")
    c = make_institution("Partner C", country="CN")
    ministry = make_institution("Ministry", kind="ministry")
    users = {
        "admin": make_user("admin", superuser=True),
        "analyst": make_user("analyst", (ministry, Role.MINISTRY_ANALYST)),
    }
    for short, institution in (("a", a), ("b", b), ("c", c)):
        for role in (Role.COORDINATOR, Role.REGISTRAR, Role.TEACHER, Role.STUDENT):
            users[f"{role}_{short}"] = make_user(f"{role}_{short}", (institution, role))
    return World(a=a, b=b, c=c, ministry=ministry, users=users)


def condition_data(sending: Institution, receiving: Institution, **overrides) -> dict:
    data = {
        "mobility_type": "student_internship", "sending": sending.pk, "receiving": receiving.pk, "isced_code": "0714",
        "eqf_level": "5", "nqf_level": "5", "places_per_year": 5, "duration": 3, "duration_unit": "months",
        "language": "zh", "language_framework": "hsk", "language_min_level": "3", "start_year": 2025, "end_year": 2027,
        "inclusion_support": "",
    }
    data.update(overrides)
    return data


def agreement_data(**overrides) -> dict:
    data = {"kind": "inter_institutional", "title": "A–C internships", "reference": "", "summary": "", "start_year": 2025, "end_year": 2028}
    data.update(overrides)
    return data


def agreement_terms(**overrides):
    """agreement_data as the typed terms the services take."""
    from ortaq.agreements.types import AgreementTerms

    return AgreementTerms(**agreement_data(**overrides))


def condition_terms(sending: Institution, receiving: Institution, **overrides):
    """condition_data as the typed terms the services take."""
    from ortaq.agreements.types import ConditionTerms

    data = condition_data(sending, receiving, **overrides)
    return ConditionTerms(**{k: v for k, v in data.items() if k not in ("sending", "receiving")},
                          sending_id=data["sending"], receiving_id=data["receiving"])


@pytest.fixture
def draft_ac(world):
    """A draft agreement initiated by A with C, with one condition."""
    from ortaq.agreements import services

    agreement = services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(), initiator=world.a, parties=[world.a, world.c])
    services.condition_add(actor=world["coordinator_a"], agreement=agreement, terms=condition_terms(world.a, world.c))
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def proposed_ac(world, draft_ac):
    from ortaq.agreements import services

    services.agreement_propose(actor=world["coordinator_a"], agreement=draft_ac)
    draft_ac.refresh_from_db()
    return draft_ac
