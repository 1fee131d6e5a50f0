"""Every demo login (and a visitor signed out) clicks through the demo from the home page, in English and in
Kazakh: no link shown to them answers 4xx or 5xx, and no page shows raw data (Python reprs, internal codes,
machine timestamps where a date is meant). The crawl itself is in demo_crawler.py."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from tests.web.demo_crawler import ROLES, client_for, crawl, shape

# issue 15: to fix in the areas' own code. What the crawl finds today on pages of other areas, as (page shape
# without the language prefix, words of the problem); the areas' owners remove their lines as they fix them
# (test_the_known_list_names_pages_that_exist keeps the shapes real).
KNOWN: set[tuple[str, str]] = set()  # all fixed (training, agreements, programmes, mobility, institutions)

# Breadth of the crawl: English fully (two of each page shape), Kazakh one of each shape.
BOUNDS = {"en": {"max_pages": 45, "per_shape": 2}, "kk": {"max_pages": 30, "per_shape": 1}}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo as `ortaq serve --demo` leaves it, loaded once for the module and rolled back after it."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    )
    with django_db_blocker.unblock(), fast, pytest.MonkeyPatch.context() as patch, translation.override("en"):
        # Links to PDFs are asked for their status; rendering each PDF is the PDF tests' business (and slow).
        patch.setattr("ortaq.agreements.pdf.agreement_pdf_bytes", lambda agreement, language: b"%PDF-1.7 crawl", raising=False)
        patch.setattr("ortaq.credentials.views.credential_pdf", lambda *args, **kwargs: b"%PDF-1.7 crawl", raising=False)
        from ortaq.accounts.models import User
        from ortaq.demo import load_demo

        with transaction.atomic():
            load_demo()
            yield {username: User.objects.get(username=username) for username in ROLES if username}
            transaction.set_rollback(True)


def _known(path: str, problem: str, language: str) -> bool:
    return any(shape(path.removeprefix(f"/{language}")) == page and words in problem for page, words in KNOWN)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "kk"])
@pytest.mark.parametrize("role", ROLES, ids=[r or "signed_out" for r in ROLES])
def test_every_link_shown_works_and_no_page_shows_raw_data(demo, role, language):
    result = crawl(client_for(demo[role] if role else None), role=role, language=language, **BOUNDS[language])
    assert len(result.pages) >= (3 if role else 2), f"the crawl found too few pages: {sorted(result.pages)}"
    problems = [f"{path}: {problem}" for path, problem in result.problems if not _known(path, problem, language)]
    assert not problems, f"{role or 'signed out'} [{language}], {len(problems)} problem(s):\n  " + "\n  ".join(problems)


def test_the_known_list_names_pages_that_exist():
    from django.urls import Resolver404, resolve

    unknown = []
    for page, _words in KNOWN:
        try:
            resolve("/en" + page.replace("#", "1"))
        except Resolver404:
            unknown.append(page)
    assert not unknown


def test_the_crawl_reads_what_a_reader_sees():
    """The checks themselves: reprs, codes, timestamps and a bare None are caught in visible text only."""
    from tests.web.demo_crawler import _Page, raw_data, shape

    page = _Page()
    page.feed("<main><p>open: {'seats': 2}</p><table><tr><td>None</td><td>Nothing</td></tr></table>"
              "<p>Type: cn_five_band, due 2026-12-03T18:00</p><script>var a = {'x': 1}; b_c_d</script>"
              "<pre>{'shown': 'on purpose'}</pre><a href='/en/x/12/'>x</a></main>")
    found = raw_data(page.texts, page.cells)
    assert any("{'" in f and "seats" in f for f in found)
    assert any("cn_five_band" in f for f in found)
    assert any("2026-12-03T18:00" in f for f in found)
    assert any("None" in f for f in found)
    assert not any("shown" in f or "b_c_d" in f for f in found)
    assert page.links == [("/en/x/12/", False)]
    assert shape("/en/mobility/calls/12/?page=2") == shape("/en/mobility/calls/13/?page=3") == "/en/mobility/calls/#/?page"
