"""Charts say which figures are hidden (fewer than 5) instead of leaving gaps; a refresh someone asks for can be
followed on the dashboard until it is done (the page then reloads itself) or has failed."""

from __future__ import annotations

import pytest

from ortaq.analytics import services
from ortaq.analytics.models import Refresh


def test_a_chart_whose_bars_are_withheld_says_fewer_than_5_hidden_and_names_them(client, figures):
    client.force_login(figures.world["analyst"])
    response = client.get("/en/analytics/", {"year": "2026", "region": "Astana", "stage": "applied"})
    body = response.content.decode()
    funnel = response.context["data"].table("funnel")
    assert funnel.chart_hidden == ["Applied", "Placed"] and funnel.chart_has_bars  # B's 3 and 2; the zeros are shown
    assert "Fewer than 5, hidden (no bars): Applied; Placed" in body
    assert 'data-hidden-label="fewer than 5, hidden"' in body  # the chart's axis labels say it too (analytics.js)


def test_a_chart_with_every_figure_withheld_is_not_drawn_as_empty_axes(client, figures):
    client.force_login(figures.world["analyst"])
    response = client.get("/en/analytics/", {"year": "2026", "region": "Astana", "stage": "placed"})
    table = response.context["data"].table("flows_country")
    assert [r.values for r in table.rows] == [[None]]  # B's 2 placed
    body = response.content.decode()
    assert 'data-chart-for="t-flows_country"' not in body
    assert "Every figure of this chart is fewer than 5, hidden to protect privacy" in body


def test_the_hidden_bars_are_named_in_the_readers_language(client, figures):
    client.force_login(figures.world["analyst"])
    body = client.get("/ru/analytics/", {"year": "2026", "region": "Astana", "stage": "applied"}).content.decode()
    hidden = body.split('class="chart-hidden">')[1].split("</p>")[0]
    assert hidden.endswith(": Подана заявка; Распределено")  # the stage names, as the table names them


def test_exact_figures_of_ones_own_institution_hide_nothing(client, figures):
    client.force_login(figures.world["coordinator_a"])
    body = client.get("/en/analytics/").content.decode()
    assert "hidden (no bar" not in body and "Every figure of this chart" not in body


def test_an_analyst_asks_for_a_refresh_and_the_dashboard_follows_it_to_the_end(client, figures, django_capture_on_commit_callbacks):
    client.force_login(figures.world["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/analytics/refresh/")
    refresh = Refresh.objects.get(requested_by=figures.world["analyst"])
    assert response.status_code == 302 and response["Location"] == f"/en/analytics/?refresh={refresh.pk}"
    # The tests' task backend runs the rebuild on commit: it is done, every step counted.
    assert (refresh.state, refresh.step, refresh.finished_at is not None) == ("done", Refresh.STEPS, True)
    status = client.get(f"/en/analytics/refresh/{refresh.pk}/", headers={"HX-Request": "true"})
    assert status.status_code == 200 and status["HX-Refresh"] == "true"
    assert "The figures were recalculated at" in status.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert 'id="refresh-status"' in page and "hx-get" not in page.split('id="refresh-status"')[1].split("</div>")[0]


def test_a_rebuild_in_progress_is_polled_and_reports_its_step(client, figures):
    refresh = Refresh.objects.create(started_at=_now(), state="running", step=3)
    client.force_login(figures.world["analyst"])
    body = client.get(f"/en/analytics/refresh/{refresh.pk}/", headers={"HX-Request": "true"})
    text = body.content.decode()
    assert "HX-Refresh" not in body
    assert "step 3 of 7" in text and 'hx-trigger="every 1s"' in text and 'value="3"' in text
    queued = Refresh.objects.create(started_at=_now(), state="queued")
    assert "waiting for a worker" in client.get(f"/en/analytics/refresh/{queued.pk}/").content.decode()


def test_a_failed_rebuild_says_so_and_stops_polling(client, figures, monkeypatch):
    monkeypatch.setattr(services, "_choices", lambda *args: (_ for _ in ()).throw(RuntimeError("worker killed")))
    refresh = Refresh.objects.create(started_at=_now(), state="queued")
    with pytest.raises(RuntimeError):
        services.aggregates_refresh(refresh_id=refresh.pk)
    refresh.refresh_from_db()
    assert refresh.state == "failed" and refresh.finished_at is None
    client.force_login(figures.world["analyst"])
    text = client.get(f"/ru/analytics/refresh/{refresh.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-state="failed"' in text and "hx-get" not in text
    monkeypatch.undo()
    assert services.aggregates_refresh().state == "done"  # the next rebuild is not blocked by the failed one


def test_asking_twice_while_a_rebuild_waits_queues_one(figures, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.aggregates_refresh_request(actor=figures.world["analyst"])
        second = services.aggregates_refresh_request(actor=figures.world["admin"])
    assert first.pk == second.pk and first.state == "queued" and len(callbacks) == 1


def test_only_analysts_admins_and_coordinators_of_its_scope_follow_a_rebuild(client, figures):
    world = figures.world
    asked_for_a = Refresh.objects.create(started_at=_now(), state="running", scope=[world.a.pk])
    ministry_s = Refresh.objects.create(started_at=_now(), state="running", scope=[])
    expected = {
        "analyst": (200, 200), "admin": (200, 200), "coordinator_a": (200, 404), "coordinator_b": (404, 404),
        "registrar_a": (404, 404), "student_a": (404, 404),
    }
    for name, codes in expected.items():
        client.force_login(world[name])
        got = tuple(client.get(f"/en/analytics/refresh/{r.pk}/").status_code for r in (asked_for_a, ministry_s))
        assert got == codes, name
    client.logout()
    assert client.get(f"/en/analytics/refresh/{asked_for_a.pk}/").status_code == 302  # to sign in
    # A refresh number in the dashboard's URL shows nothing to someone who may not follow it.
    client.force_login(world["coordinator_b"])
    assert client.get("/en/analytics/", {"refresh": asked_for_a.pk}).context["refresh"] is None


def test_coordinators_and_others_may_not_ask_for_a_refresh(client, figures):
    client.force_login(figures.world["coordinator_a"])
    assert 'action="/en/analytics/refresh/"' not in client.get("/en/analytics/").content.decode()
    client.post("/en/analytics/refresh/")
    assert not Refresh.objects.filter(requested_by=figures.world["coordinator_a"]).exists()


def _now():
    from django.utils import timezone

    return timezone.now()
