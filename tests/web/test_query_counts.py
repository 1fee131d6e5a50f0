"""List pages and API lists run a constant number of queries per page, whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ortaq.accounts.services import api_token_create
from ortaq.agreements.models import Agreement, AgreementParty
from tests.conftest import make_institution


def grow(world, n: int) -> None:
    institutions = [make_institution(f"Extra {len_}-{i}") for i in range(n) for len_ in [Agreement.objects.count()]]
    for i, institution in enumerate(institutions):
        agreement = Agreement.objects.create(kind="memorandum", title=f"M{i}", start_year=2025, end_year=2026, initiator=world.a, state="proposed")
        AgreementParty.objects.bulk_create([AgreementParty(agreement=agreement, institution=world.a), AgreementParty(agreement=agreement, institution=institution)])


def count_queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/en/institutions/", "/en/agreements/", "/en/programmes/"])
def test_list_pages_run_the_same_queries_for_5_or_30_rows(client, world, url):
    client.force_login(world["coordinator_a"])
    grow(world, 5)
    small = count_queries(client, url)
    grow(world, 25)
    assert count_queries(client, url) == small


@pytest.mark.parametrize("url, pinned", [("/api/v1/institutions/", 4), ("/api/v1/agreements/", 6), ("/api/v1/programmes/", 4)])
def test_api_lists_run_a_pinned_number_of_queries(client, world, url, pinned):
    _token, secret = api_token_create(actor=world["coordinator_a"], name="t")
    grow(world, 30)
    # token lookup + token touch, memberships, count, page (+ prefetches for agreements: parties)
    assert count_queries(client, url, HTTP_AUTHORIZATION=f"Bearer {secret}") <= pinned
