"""The cohorts page lists the cohorts a person may see (the trainer's own, the planned ones a coordinator may
nominate to) and nobody else's, with the same number of queries for one cohort or six."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ortaq.training import services


def _more_cohorts(trainer, course, n: int, start: int) -> None:
    for i in range(start, start + n):
        services.cohort_create(actor=trainer, course=course, title=f"Cohort {i}", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 10, 30), capacity=5)


def _get(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text


def test_the_trainer_sees_their_cohorts_with_the_same_queries_for_one_or_six(client, world, course, cohort, people):
    trainer, *_ = people
    client.force_login(trainer)
    one, page = _get(client, "/en/training/")
    assert "Spring 2026" in page and "Partner C" in page
    _more_cohorts(trainer, course, 5, start=1)
    six, page = _get(client, "/en/training/")
    assert six == one
    assert all(f"Cohort {i}" in page for i in range(1, 6))


def test_a_coordinator_sees_planned_cohorts_and_a_manager_outside_them_sees_none(client, world, cohort, people):
    _trainer, _manager_a, manager_b = people
    client.force_login(world["coordinator_b"])
    assert "Spring 2026" in client.get("/en/training/").text  # open for nominations
    client.force_login(manager_b)
    response = client.get("/en/training/")
    assert "Spring 2026" not in response.text and not response.context["may_create"]


def test_the_report_by_college_is_offered_only_to_those_who_may_open_it(client, world, cohort, people):
    _trainer, _manager_a, manager_b = people
    client.force_login(manager_b)
    assert "/training/report/" not in client.get("/en/training/").text
    assert client.get("/en/training/report/").status_code == 403
    client.force_login(world["coordinator_b"])
    assert "/training/report/" in client.get("/en/training/").text
    assert client.get("/en/training/report/").status_code == 200


def test_the_catalogue_describes_every_cohort_but_links_only_those_the_reader_may_open(client, world, cohort, people):
    trainer, _manager_a, manager_b = people
    link = f'href="/en/training/{cohort.pk}/"'
    client.force_login(manager_b)
    page = client.get("/en/training/catalogue/").text
    assert "Spring 2026" in page and link not in page
    assert client.get(f"/en/training/{cohort.pk}/").status_code == 404
    client.force_login(trainer)
    assert link in client.get("/en/training/catalogue/").text
