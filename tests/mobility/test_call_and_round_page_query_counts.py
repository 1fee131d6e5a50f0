"""The coordinator's call page and round page run a pinned number of queries however many agreements, rounds
and options a college has (bench/load.py found the call page running one query per cooperation condition)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ortaq.agreements import services as agreement_services
from ortaq.mobility.models import Call, CallOption, Choice, PlacementOutcome, PlacementRound
from tests.conftest import agreement_terms, condition_terms, make_institution
from tests.mobility.conftest import application_input, students

# An open call without applications yet: session, user, memberships, call, options (count, page), rounds, applications
# (count), applications per state, cooperation conditions, places used, offers, unread notifications
CALL_PAGE_QUERIES = 13
# A published call with applications: no places to add any more (conditions, places used, offers), but a page of
# applications, their choices with the hosts' names, their outcomes and nominations, and the hosts' answers counted
PUBLISHED_CALL_PAGE_QUERIES = CALL_PAGE_QUERIES - 3 + 5
# session, user, round with its call, memberships, options (count, page), their stored cutoffs, outcomes (count, page),
# the hosts named on the page, people placed in another call as well, unread notifications
ROUND_PAGE_QUERIES = 12


def captured(client, url: str) -> tuple[int, list[str], str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.content.decode()


def agreement_in_effect(world, n: int, places: int):
    partner = make_institution(f"Partner {n}", country="CN")
    agreement = agreement_services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(title=f"A–partner {n}"), initiator=world.a,
                                                    parties=[world.a, partner])
    condition = agreement_services.condition_add(actor=world["coordinator_a"], agreement=agreement,
                                                 terms=condition_terms(world.a, partner, places_per_year=places))
    agreement_services.agreement_propose(actor=world["coordinator_a"], agreement=agreement)
    agreement_services.agreement_approve(actor=world["coordinator_a"], agreement=agreement, institution=world.a)
    agreement_services.agreement_approve(actor=world["admin"], agreement=agreement, institution=partner)
    agreement_services.agreement_put_into_effect(actor=world["coordinator_a"], agreement=agreement)
    return condition


def test_the_open_call_page_runs_the_same_queries_for_one_or_six_agreements_and_counts_the_places_left(client, world, open_call):
    client.force_login(world["coordinator_a"])
    url = f"/en/mobility/calls/{open_call.pk}/"
    few, _sql, _html = captured(client, url)
    for n in range(5):
        condition = agreement_in_effect(world, n, places=4)
        CallOption.objects.create(call=open_call, condition=condition, host_id=condition.receiving_id, places=n % 3)
    many, _sql, html = captured(client, url)
    assert few == many == CALL_PAGE_QUERIES
    # each condition's places left this year: 4 a year minus what this call already took (0, 1, 2, 0, 1)
    lefts = [int(x) for x in re.findall(r"A–partner \d → Partner \d \((\d+) left this year\)", html)]
    assert sorted(lefts) == [2, 3, 3, 4, 4]


def test_a_published_calls_page_loads_neither_places_to_add_nor_the_rounds_cutoffs(client, world, open_call):
    def apply(people):
        for person in people:
            application = open_call.applications.create(applicant=person, year_of_study=2, grade=80, state="submitted")
            Choice.objects.bulk_create([Choice(application=application, option=o, rank=r) for r, o in enumerate(open_call.options.order_by("id"), 1)])

    apply(students(world, 1))
    Call.objects.filter(pk=open_call.pk).update(state="published")
    cutoffs = {str(o.pk): {"min_points": "55.00"} for o in open_call.options.all()}
    client.force_login(world["coordinator_a"])
    url = f"/en/mobility/calls/{open_call.pk}/"
    PlacementRound.objects.create(call=open_call, number=1, state="published", cutoffs=cutoffs)
    one, _sql, _html = captured(client, url)
    for number in (2, 3, 4):
        PlacementRound.objects.create(call=open_call, number=number, state="dry_run", cutoffs=cutoffs)
    apply(students(world, 8, start=1))  # the applications listed grow too, each with its choices and certificate
    four, sql, html = captured(client, url)
    # no conditions, places used or offers once the call is closed
    assert one == four == PUBLISHED_CALL_PAGE_QUERIES
    assert not any(f'FROM "{table}"' in q for q in sql for table in ("agreements_cooperationcondition", "mobility_internshipoffer"))
    assert not any('SUM("mobility_calloption"."places")' in q for q in sql)
    assert not any('"mobility_placementround"."cutoffs"' in q for q in sql)
    assert html.count(">Round ") == 4
    assert all(f"Applicant{i}" in html for i in range(9))


def test_the_round_page_runs_the_same_queries_for_few_or_many_options_and_outcomes(client, world, open_call):
    people = students(world, 12)
    applications = [open_call.applications.create(applicant=p, year_of_study=2, grade=80, state="submitted") for p in people]
    options = list(open_call.options.order_by("id"))
    placement_round = PlacementRound.objects.create(call=open_call, number=1, state="dry_run", stats={"applicants": 12, "placed": 2, "seats": 3})

    def outcomes(chosen):
        PlacementOutcome.objects.bulk_create([
            PlacementOutcome(round=placement_round, application=a, option=options[i % len(options)] if i % 2 else None,
                             explanations=[{"option": o.pk, "reason": "below_cutoff", "rank": 3} for o in options])
            for i, a in enumerate(chosen)])

    client.force_login(world["coordinator_a"])
    url = f"/en/mobility/rounds/{placement_round.pk}/"
    outcomes(applications[:2])
    few, _sql, _html = captured(client, url)
    host = make_institution("Second host", country="CN", kind="enterprise")
    options += [CallOption.objects.create(call=open_call, host=host, condition=options[0].condition, places=1) for _ in range(6)]
    outcomes(applications[2:])
    many, _sql, html = captured(client, url)
    assert few == many == ROUND_PAGE_QUERIES
    assert html.count("Second host: ") == 6 * 10  # every explanation names its option's host


def test_the_students_form_runs_the_same_queries_whatever_page_her_choices_are_on_and_shows_each_rank_chosen(client, world, open_call):
    import datetime as dt

    from ortaq.mobility import services
    from ortaq.mobility.models import InternshipOffer

    host = make_institution("Host enterprise", country="CN", kind="enterprise")
    offers = InternshipOffer.objects.bulk_create([
        InternshipOffer(host=host, title=f"Offer {i}", tasks="Tasks", city="Tianjin", start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 5, 31),
                        places=1, isced_code="0714", state="published") for i in range(55)])
    student = world["student_a"]
    client.force_login(student)
    url = f"/en/mobility/calls/{open_call.pk}/"

    def save(chosen):
        services.application_save(actor=student, call=open_call, application=application_input(year_of_study=2, grade="80"), option_ids=[o.pk for o in chosen])
        return captured(client, url)

    with_two_options, _sql, _html = save(list(open_call.options.order_by("id")))  # before the 55 offers below
    CallOption.objects.bulk_create([CallOption(call=open_call, offer=offer, host=host, places=1) for offer in offers])
    options = list(open_call.options.order_by("id"))  # the options list shows 50 a page: the last 7 are on page 2
    on_first_page, _sql, _html = save(options[:3])
    on_second_page, _sql, html = save(options[-3:])
    assert with_two_options == on_first_page == on_second_page
    for rank, option in enumerate(options[-3:], 1):
        select = re.search(rf'<select id="rank-{rank}".*?</select>', html).group(0)
        assert re.findall(r'<option value="(\d+)" selected>', select) == [str(option.pk)]
        assert f'<option value="{option.pk}" selected>Host enterprise — {option.offer.title}</option>' in select
