"""Mobility lists run a constant number of queries whatever their length."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ortaq.mobility import round_services, services
from tests.mobility.conftest import application_input, call_input, close, students


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def apply(call, people):
    options = list(call.options.values_list("pk", flat=True))
    for person in people:
        services.application_save(actor=person, call=call, application=application_input(year_of_study=2, grade="80"), option_ids=options, submit=True)


def test_the_coordinators_call_page_and_round_page_run_the_same_queries_for_3_or_12_applications(client, world, open_call, django_capture_on_commit_callbacks):
    apply(open_call, students(world, 3))
    client.force_login(world["coordinator_a"])
    few = queries(client, f"/en/mobility/calls/{open_call.pk}/")
    apply(open_call, students(world, 9, start=3))
    assert queries(client, f"/en/mobility/calls/{open_call.pk}/") == few
    close(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    url = f"/en/mobility/rounds/{placement_round.pk}/"
    assert placement_round.outcomes.count() == 12
    twelve = queries(client, url)
    # The same page over 3 outcomes: a query per outcome, applicant or option would make the counts differ.
    placement_round.outcomes.exclude(pk__in=list(placement_round.outcomes.order_by("pk").values_list("pk", flat=True)[:3])).delete()
    assert queries(client, url) == twelve


def test_the_calls_list_runs_the_same_queries_for_one_or_many_calls(client, world, open_call):
    client.force_login(world["student_a"])
    one = queries(client, "/en/mobility/")
    for i in range(5):
        services.call_open(actor=world["coordinator_a"], call=_with_option(world, services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(title=f"Call {i}")), open_call))
    assert queries(client, "/en/mobility/") == one


def _with_option(world, call, template_call):
    offer = template_call.options.get(offer__isnull=False).offer
    offer.places += 1
    offer.save()
    services.call_option_add(actor=world["coordinator_a"], call=call, offer=offer, places=1)
    return call


def test_round_outcomes_export_to_csv(client, world, open_call, django_capture_on_commit_callbacks):
    apply(open_call, students(world, 2))
    close(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    client.force_login(world["coordinator_a"])
    content = client.get(f"/en/mobility/rounds/{placement_round.pk}/outcomes.csv").content.decode("utf-8-sig")
    assert content.splitlines()[0].startswith("application,applicant") and len(content.splitlines()) == 3
    client.force_login(world["coordinator_b"])
    assert client.get(f"/en/mobility/rounds/{placement_round.pk}/outcomes.csv").status_code == 404
