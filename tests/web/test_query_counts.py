"""List pages and API lists run a constant number of queries per page, whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ortaq.accounts.services import api_token_create
from ortaq.agreements.models import Agreement, AgreementParty, CooperationCondition
from ortaq.institutions.models import Institution
from ortaq.programmes.models import Module, Programme
from tests.conftest import condition_data, make_institution


def grow(world, n: int) -> None:
    """n more rows in every list counted here: institutions, agreements visible to A (each with two parties and a
    condition) and programmes (each awarded by A and the new institution, with a module), so that a query per
    row, per party or per awarding institution shows as a different count."""
    start = Institution.objects.count()
    for i in range(start, start + n):
        institution = make_institution(f"Extra {i}")
        agreement = Agreement.objects.create(kind="memorandum", title=f"M{i}", start_year=2025, end_year=2026, initiator=world.a, state="proposed")
        AgreementParty.objects.bulk_create([AgreementParty(agreement=agreement, institution=world.a), AgreementParty(agreement=agreement, institution=institution)])
        CooperationCondition.objects.create(agreement=agreement, **{k: v for k, v in condition_data(world.a, institution).items() if k not in ("sending", "receiving")},
                                            sending=world.a, receiving=institution)
        programme = Programme.objects.create(code=f"P{i}", title_en=f"Programme {i}", isced_code="0714")
        programme.awarding_institutions.set([world.a, institution])
        Module.objects.create(programme=programme, code="M1", title_en="Module", credits=5)


def count_queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/en/institutions/", "/en/agreements/", "/en/programmes/"])
def test_list_pages_run_the_same_queries_for_1_or_30_rows(client, world, url):
    client.force_login(world["coordinator_a"])
    grow(world, 1)
    one = count_queries(client, url)
    grow(world, 29)
    assert count_queries(client, url) == one


@pytest.mark.parametrize("url, pinned", [("/api/v1/institutions/", 4), ("/api/v1/agreements/", 6), ("/api/v1/programmes/", 5)])
def test_api_lists_run_the_same_pinned_number_of_queries_for_1_or_30_rows(client, world, url, pinned):
    _token, secret = api_token_create(actor=world["coordinator_a"], name="t")
    grow(world, 1)
    one = count_queries(client, url, HTTP_AUTHORIZATION=f"Bearer {secret}")
    grow(world, 29)
    thirty = count_queries(client, url, HTTP_AUTHORIZATION=f"Bearer {secret}")
    # token lookup + token touch, memberships, count, page (+ prefetches: agreements' parties, programmes' awarding
    # institutions; the programmes' prefetch was never counted while this test listed no programme)
    assert thirty == one <= pinned


def test_the_grown_rows_are_on_the_pages_counted(client, world):
    """The counts above compare lists that really hold the rows: none of them counts an empty page."""
    client.force_login(world["coordinator_a"])
    grow(world, 3)
    assert "Extra " in client.get("/en/institutions/").text
    assert client.get("/en/agreements/").text.count(">M") >= 3
    programmes = client.get("/en/programmes/").text
    assert programmes.count(">Programme ") == 3
    _token, secret = api_token_create(actor=world["coordinator_a"], name="t")
    for url, at_least in (("/api/v1/institutions/", 7), ("/api/v1/agreements/", 3), ("/api/v1/programmes/", 3)):
        assert len(client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").json()["items"]) >= at_least
