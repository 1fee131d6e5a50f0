"""Who sees what: a college its own figures exactly and its partners' as aggregates; the ministry aggregates
and never a person; anonymous visitors only the open data."""

from ortaq.analytics import selectors
from ortaq.analytics.selectors import Filters


def _dashboard(user, **filters):
    return selectors.dashboard(actor=user, filters=Filters(**filters))


def _funnel(data) -> list:
    return [r.values[0] for r in data.table("funnel").rows]


def test_a_college_sees_exact_figures_for_its_own_mobilities_only(figures):
    data = _dashboard(figures.world["coordinator_b"])
    assert data.scope.kind == "own"
    assert _funnel(data) == [3, 2, 0, 0]  # small, but its own: not withheld
    institutions = data.table("flows_institution")
    assert institutions.rows == [] or all(figures.world.b.display_name in r.labels for r in institutions.rows)


def test_college_a_does_not_see_college_b_own_figures_except_as_withheld_aggregates(figures):
    own = _dashboard(figures.world["coordinator_a"], stage="placed")
    assert all(figures.world.b.display_name not in r.labels for r in own.table("flows_institution").rows)
    assert _funnel(own) == [12, 8, 6, 3]

    partners = _dashboard(figures.world["coordinator_a"], stage="placed", view="partners")
    assert partners.scope.kind == "partners"
    rows = {tuple(r.labels): r.values for r in partners.table("flows_institution").rows}
    b_row = rows[(figures.world.b.display_name, figures.world.c.display_name)]
    assert b_row == [None]  # B placed 2: withheld
    assert rows[(figures.world.a.display_name, figures.world.c.display_name)] == [None]  # its complement
    assert partners.table("flows_institution").total == [10]


def test_a_student_without_an_office_role_sees_the_open_data_like_anyone(figures):
    assert _dashboard(figures.world["student_a"]).scope.kind == "public"


def test_the_ministry_analyst_sees_every_institution_as_aggregates(figures):
    data = _dashboard(figures.world["analyst"], stage="placed")
    assert data.scope.kind == "ministry"
    assert _funnel(data) == [15, 10, 6, None]  # 3 completed: withheld
    assert data.table("flows_institution").total == [10]


def test_no_page_the_analyst_can_open_names_a_person(client, figures):
    client.force_login(figures.world["analyst"])
    pages = [client.get("/en/analytics/", {"stage": stage}) for stage in ("applied", "placed", "departed", "completed")]
    pages += [client.get(f"/en/analytics/export/{key}.csv") for key in ("funnel", "flows_institution", "fill_rates", "inclusion", "credentials")]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        for person in ("applicant_a0", "Applicant_A0", "student_a", "Student_A", "Coordinator_A"):
            assert person not in body


def test_anonymous_visitors_get_the_open_data_without_institution_tables(client, figures):
    response = client.get("/en/analytics/", {"institution": figures.world.a.pk})
    assert response.status_code == 200
    data = response.context["data"]
    assert data.scope.kind == "public"
    assert data.filters.institution is None  # the institution filter does not apply to open data
    assert data.table("flows_institution") is None
    assert client.get("/en/analytics/export/flows_institution.csv").status_code == 404
    assert [r.values[0] for r in data.table("funnel").rows] == [15, 10, 6, None]


def test_only_analysts_and_admins_may_ask_for_a_recalculation(client, figures, django_capture_on_commit_callbacks):
    client.force_login(figures.world["coordinator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/analytics/refresh/")
    assert selectors.last_refresh().pk == figures.refresh.pk
    client.force_login(figures.world["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/analytics/refresh/")
    assert response.status_code == 302
    assert selectors.last_refresh().pk != figures.refresh.pk  # the task ran (immediate backend in tests)


def test_a_page_withholds_exactly_the_cells_its_full_export_withholds(figures):
    for key in ("flows_institution", "fill_rates"):
        for stage in ("applied", "placed"):
            filters = Filters(stage=stage, year=2026)
            page = _dashboard(figures.world["analyst"], stage=stage, year=2026).table(key)
            export = selectors.table_for(actor=figures.world["analyst"], filters=filters, key=key)
            assert {r.keys: r.values for r in page.rows} == {r.keys: r.values for r in export.rows if r.keys in {p.keys for p in page.rows}}
            assert page.total == export.total
