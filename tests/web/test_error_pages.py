"""Error pages (400, 403, CSRF, 404, 500) are pages of the site: its layout, the reader's language, a way
home (and to sign in when signed out), and no technical detail."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from ortaq.web.errors import PAGES

pytestmark = pytest.mark.urls("tests.web.error_urls")

LANGUAGES = {"kk": "Кіру", "zh-hans": "登录"}  # "Sign in" in the layout, as the catalogues have it


def _title(page, language: str) -> str:
    with translation.override(language):
        return str(PAGES[page][0])


def _client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("url", "status", "page"), [
    ("errors/missing/", 404, 404),
    ("no/such/page/", 404, 404),
    ("errors/denied/", 403, 403),
    ("errors/suspicious/", 400, 400),
    ("errors/broken/", 500, 500),
])
def test_a_signed_out_reader_gets_the_error_in_the_layout_and_their_language(db, language, url, status, page):
    response = _client().get(f"/{language}/{url}")
    html = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in html and 'class="site-header"' in html and 'class="site-footer"' in html
    assert _title(page, language) in html
    assert f'href="/{language}/"' in html  # home
    assert f'href="/{language}/accounts/login/?next=/{language}/{url}"' in html and LANGUAGES[language] in html


@pytest.mark.parametrize("url", ["errors/missing/", "errors/denied/", "errors/suspicious/", "errors/broken/"])
def test_error_pages_never_show_what_went_wrong_inside(db, url):
    html = _client().get(f"/ru/{url}").content.decode()
    for secret in ("Institution matches", "Membership", "views.py", "HTTP_HOST", "evil.example", "hunter2", "Traceback", "RuntimeError"):
        assert secret not in html


def test_a_refusal_by_a_service_says_its_own_reason(world):
    client = _client()
    client.force_login(world["student_a"])
    response = client.get("/en/errors/forbidden/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Only the host decides on its nominations." in html and _title(403, "en") in html
    assert "accounts/login/" not in html  # signed in: no sign-in link, the home link stays
    assert 'href="/en/"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_sent_without_its_csrf_token_gets_the_expired_form_page(db, language):
    response = Client(enforce_csrf_checks=True).post(f"/{language}/errors/form/", {"x": "1"})
    html = response.content.decode()
    assert response.status_code == 403
    assert _title("csrf", language) in html and f'<html lang="{language}">' in html
    assert "CSRF" not in html and "Referer" not in html


def test_a_500_page_renders_even_when_the_layout_cannot(db, monkeypatch):
    from django.template import engines

    def down(request):  # the navigation reads the database, which is down
        raise RuntimeError("database is down")

    engine = engines["django"].engine
    monkeypatch.setattr(engine, "template_context_processors", (*engine.template_context_processors, down))
    response = _client().get("/zh-hans/errors/broken/")
    html = response.content.decode()
    assert response.status_code == 500
    assert _title(500, "zh-hans") in html and '<html lang="zh-hans">' in html and "database is down" not in html
    assert "site-footer" not in html  # the bare page, not the layout
