"""A staff member whose institution has no agreements asks for the partners' view: empty tables, never a 500.

The partners' scope is then `sending_id IN ()`, which Django compiles to nothing (EmptyResultSet); the paged
table that runs its own SQL used to let that escape."""

import pytest

from ortaq.analytics import selectors
from ortaq.analytics.selectors import Filters
from tests.conftest import make_institution, make_user


@pytest.fixture
def supervisor_without_partners(world):
    company = make_institution("Lonely Enterprise", kind="enterprise")
    return make_user("lonely_supervisor", (company, "company_supervisor"))


def test_the_partners_view_of_an_enterprise_without_partners_shows_empty_tables(client, supervisor_without_partners):
    client.force_login(supervisor_without_partners)
    response = client.get("/en/analytics/", {"view": "partners"})
    assert response.status_code == 200
    data = selectors.dashboard(actor=supervisor_without_partners, filters=Filters(view="partners"))
    assert data.scope.kind == "partners" and data.scope.institutions == frozenset()
    assert data.table("flows_institution").rows == [] and data.table("fill_rates").rows == []


def test_its_exports_are_empty_files_not_errors(client, supervisor_without_partners):
    client.force_login(supervisor_without_partners)
    for key in ("flows_institution", "fill_rates", "funnel"):
        response = client.get(f"/en/analytics/export/{key}.csv", {"view": "partners"})
        assert response.status_code == 200, key
