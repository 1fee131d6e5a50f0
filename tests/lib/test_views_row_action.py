"""row_action: the one shape of a POST action on a detail page's row (an agreement, a dossier, a cohort), shared
by the apps' views: find the row or 404, act, say so and go back to the page, or show a refusal on the page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from ortaq.errors import DomainError
from ortaq.lib.views import row_action

ROWS = {7: SimpleNamespace(pk=7)}


def _get(request, pk):
    if pk not in ROWS:
        raise Http404
    return ROWS[pk]


def _page(request, pk):
    return HttpResponse(f"page of {pk} ({request.method})")


@row_action(get=_get, page=_page, route="training:cohort")
def cohort_close(request, row):
    """Close the cohort."""
    if request.POST.get("refuse"):
        raise DomainError("Not now.")
    return f"Closed {row.pk}."


def _request(method: str = "post", **data):
    request = getattr(RequestFactory(), method)("/x/", data)
    request.user = SimpleNamespace(is_authenticated=True)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_a_done_action_says_so_and_goes_back_to_the_row_s_page():
    request = _request()
    response = cohort_close(request, 7)
    assert (response.status_code, response["Location"]) == (302, "/en/training/7/")
    assert [str(m) for m in get_messages(request)] == ["Closed 7."]


def test_a_refused_action_is_shown_on_the_row_s_page_with_its_status():
    request = _request(refuse="1")
    response = cohort_close(request, 7)
    assert response.status_code == 400 and response.content == b"page of 7 (GET)"
    assert [str(m) for m in get_messages(request)] == ["Not now."]


def test_only_a_post_on_a_row_the_actor_may_see_is_taken():
    assert cohort_close(_request("get"), 7).status_code == 405
    with pytest.raises(Http404):
        cohort_close(_request(), 8)


def test_the_view_is_named_and_described_as_its_action():
    assert (cohort_close.__name__, cohort_close.__doc__) == ("cohort_close", "Close the cohort.")
