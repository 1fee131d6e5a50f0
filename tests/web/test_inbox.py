"""The home page's inbox: every demo login finds its waiting work there, and every link it shows opens (200)
for that login. The records are the permission matrix's scene (the demo data plus one whole mobility for
three colleges), built once for the module and rolled back after it."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.utils import translation

from tests.web.url_matrix_scene import ROLE_LOGINS, build_scene

INBOX = re.compile(r'<section class="card inbox".*?</section>', re.S)
LINK = re.compile(r'href="([^"]+)"')
KIND = re.compile(r'data-kind="([\w.]+)"')

# What each demo login must at least find waiting in the scene (tests/web/url_matrix_scene.py says whose is what).
EXPECTED = {
    # Almaty's coordinator: a draft and a proposal of Almaty's, the learner's proposed change, Almaty's dossier
    # to decide and its appeal to review.
    "coordinator": {"agreements.propose", "mobility.change", "recognition.decide", "recognition.appeal"},
    # The joint college's registrar: the batch a coordinator prepared (four eyes: someone else approves).
    "registrar": {"credentials.approve"},
    # The Almaty learner: a micro-credential issued today.
    "student": {"credentials.received"},
    # The host's company supervisor: the logbook week to verify and the learner's change to decide.
    "supervisor": {"mobility.verify", "mobility.change"},
    # The Taraz manager enrolled in the demo cohort: the self-assessments before the course.
    "manager": {"training.self_assessment"},
    "analyst": {"analytics.dashboards"},
}


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import transaction

    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    )
    with django_db_blocker.unblock(), fast, translation.override("en"):
        with transaction.atomic():
            built = build_scene()
            built.clients = {}
            for role in ROLE_LOGINS:
                client = Client()
                client.force_login(built.viewers[role].user)
                built.clients[role] = client
            yield built
            transaction.set_rollback(True)


def inbox_of(client: Client, language: str = "en") -> tuple[list[str], list[str]]:
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    section = INBOX.search(response.text)
    assert section, "the home page has no inbox"
    return KIND.findall(section[0]), LINK.findall(section[0])


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLE_LOGINS))
def test_every_link_of_the_inbox_opens_for_the_login_it_is_shown_to(scene, role):
    client = scene.clients[role]
    kinds, links = inbox_of(client)
    assert EXPECTED.get(role, set()) <= set(kinds), f"{role} misses {EXPECTED[role] - set(kinds)} (has {kinds})"
    assert links, "the inbox links at least to the reader's own agreements"
    failures = []
    for url in links:
        answer = client.get(url.replace("&amp;", "&"))
        if answer.status_code != 200:
            failures.append(f"{url}: {answer.status_code}")
    assert not failures, f"{role}: " + ", ".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans"])
def test_the_inbox_links_keep_the_reader_s_language(scene, language):
    _kinds, links = inbox_of(scene.clients["coordinator"], language)
    assert all(url.startswith(f"/{language}/") for url in links), links


@pytest.mark.django_db
def test_my_learning_agreements_lists_the_reader_s_agreements_with_their_next_step(scene):
    page = scene.clients["supervisor"].get("/en/mobility/agreements/mine/").text
    almaty = next(t for t in scene.things["mobility"] if "almaty" in t.label).obj
    assert f"/en/mobility/agreements/{almaty.pk}/" in page
    assert "Verify 1 logbook week" in page and "Decide on 1 proposed change" in page
    others = [t.obj for t in scene.things["mobility"] if "almaty" not in t.label]
    assert all(f"/en/mobility/agreements/{a.pk}/" not in page for a in others)


@pytest.mark.django_db
def test_a_login_with_no_waiting_work_is_told_so(scene):
    kinds, _links = inbox_of(scene.clients["teacher"])
    if not kinds:
        assert "Nothing waits for you now." in scene.clients["teacher"].get("/en/").text
