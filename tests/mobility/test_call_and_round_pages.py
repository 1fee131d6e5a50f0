"""The coordinator's call and round pages stay cheap for large calls (issue 13) and say what happened in words
(issue 15): applications and outcomes a page at a time with filters, cut-offs as a person reads them, each
applicant's real status, standing and waiting-list position, and a warning when someone is placed twice."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from ortaq.mobility import round_services
from ortaq.mobility.models import Application, Call, CallOption, Choice, Nomination, PlacementOutcome, PlacementRound
from tests.mobility.conftest import apply_all, close, students
from tests.mobility.test_call_and_round_page_query_counts import PUBLISHED_CALL_PAGE_QUERIES, ROUND_PAGE_QUERIES, captured


def published(call, people, *, number: int = 1) -> PlacementRound:
    """A published round of `call` in which every second applicant is placed at the call's first option, with
    cut-offs stored as the engine stores them and the nominations publishing makes; the host accepted one."""
    options = list(call.options.order_by("id"))
    applications = []
    for i, person in enumerate(people):
        application = Application.objects.create(call=call, applicant=person, year_of_study=2, grade=90 - i, state="submitted",
                                                 submitted_at=timezone.now(), receipt=f"R-{call.pk}-{i}")
        Choice.objects.bulk_create([Choice(application=application, option=o, rank=r) for r, o in enumerate(options, 1)])
        applications.append(application)
    placement_round = PlacementRound.objects.create(
        call=call, number=number, state="published", progress=100,
        stats={"applicants": len(people), "placed": len(people[::2]), "seats": sum(o.places for o in options)},
        cutoffs={str(o.pk): {"open": {"seats": o.places, "filled": min(o.places, len(people[::2])) if k == 0 else 0, "last": "a1",
                                      "rank": 7 if k == 0 else None, "priority": 7150 if k == 0 else None}} for k, o in enumerate(options)})
    for i, application in enumerate(applications):
        placed = options[0] if i % 2 == 0 else None
        outcome = PlacementOutcome.objects.create(round=placement_round, application=application, option=placed,
                                                  explanations=[] if placed else [{"option": o.pk, "reason": "below_cutoff", "details": [], "rank": 9}
                                                                                  for o in options])
        if placed:
            Nomination.objects.create(outcome=outcome, application=application, option=placed, host_id=placed.host_id,
                                      state="accepted" if i == 0 else "pending")
    Call.objects.filter(pk=call.pk).update(state="published")
    call.refresh_from_db()
    return placement_round


def test_the_published_calls_page_runs_the_same_queries_for_2_or_30_applications_whatever_the_filter(client, world, open_call):
    client.force_login(world["coordinator_a"])
    url = f"/en/mobility/calls/{open_call.pk}/"
    published(open_call, students(world, 2))
    first_option = open_call.options.order_by("id").first()
    filters = ["", "?status=placed", "?status=accepted", "?status=not_placed", f"?option={first_option.pk}", "?name=applicant1"]
    few = {f: captured(client, url + f)[0] for f in filters}
    Application.objects.filter(call=open_call).delete()
    PlacementRound.objects.filter(call=open_call).delete()
    published(open_call, students(world, 30, start=2))
    many = {f: captured(client, url + f)[0] for f in filters}
    assert few == many
    option_filter = f"?option={first_option.pk}"
    assert {f: n for f, n in many.items() if f != option_filter} == dict.fromkeys(set(filters) - {option_filter}, PUBLISHED_CALL_PAGE_QUERIES)
    assert many[option_filter] == PUBLISHED_CALL_PAGE_QUERIES + 1  # the name of the option filtered by


def test_the_round_page_runs_the_same_queries_for_2_or_30_outcomes_and_with_its_filters(client, world, open_call):
    client.force_login(world["coordinator_a"])
    placement_round = published(open_call, students(world, 2))
    url = f"/en/mobility/rounds/{placement_round.pk}/"
    first_option = open_call.options.order_by("id").first()
    filters = ["", "?placed=yes", "?placed=no", f"?option={first_option.pk}", "?name=applicant1", "?q=Partner&opage=1&page=2"]
    few = {f: captured(client, url + f)[0] for f in filters}
    PlacementRound.objects.filter(pk=placement_round.pk).delete()
    Application.objects.filter(call=open_call).delete()
    placement_round = published(open_call, students(world, 30, start=2))
    url = f"/en/mobility/rounds/{placement_round.pk}/"
    many = {f: captured(client, url + f)[0] for f in filters}
    assert few == many
    assert set(many.values()) == {ROUND_PAGE_QUERIES}


def test_the_coordinator_filters_applications_by_status_option_and_name_and_sees_each_real_status(client, world, open_call):
    client.force_login(world["coordinator_a"])
    published(open_call, students(world, 6))
    url = f"/en/mobility/calls/{open_call.pk}/"
    _n, _sql, html = captured(client, url)
    # the counts per status come from the round's stats and the nominations, shown in the filter
    assert re.search(r'<option value="placed">Placed \(3\)</option>', html)
    assert re.search(r'<option value="accepted">Accepted by the host \(1\)</option>', html)
    assert "Accepted by the host: Partner C" in html and "Placed, awaiting the host&#x27;s answer: Partner C" in html and "Not placed" in html
    _n, _sql, html = captured(client, url + "?status=not_placed")
    rows = re.findall(r"<td>(Applicant\d)</td>", html)
    assert rows == ["Applicant1", "Applicant3", "Applicant5"]
    _n, _sql, html = captured(client, url + "?name=applicant4")
    assert re.findall(r"<td>(Applicant\d)</td>", html) == ["Applicant4"]
    _n, _sql, html = captured(client, url + "?status=nonsense")  # an unknown filter is ignored, not an error
    assert len(re.findall(r"<td>(Applicant\d)</td>", html)) == 6
    # scores are closed once results are published: the page shows them instead of a form per row
    assert 'name="motivation_score"' not in html


def test_the_round_pages_outcomes_filter_by_result_option_and_name(client, world, open_call):
    client.force_login(world["coordinator_a"])
    placement_round = published(open_call, students(world, 5))
    url = f"/en/mobility/rounds/{placement_round.pk}/"
    names = lambda html: re.findall(r"<tr><td>(Applicant\d)</td>", html)  # noqa: E731
    assert names(client.get(url + "?placed=yes").content.decode()) == ["Applicant0", "Applicant2", "Applicant4"]
    assert names(client.get(url + "?placed=no").content.decode()) == ["Applicant1", "Applicant3"]
    first_option = open_call.options.order_by("id").first()
    assert names(client.get(url + f"?option={first_option.pk}&name=applicant2").content.decode()) == ["Applicant2"]


def test_the_cut_off_column_reads_as_words_not_python_data(client, world, open_call):
    client.force_login(world["coordinator_a"])
    placement_round = published(open_call, students(world, 4))
    html = client.get(f"/en/mobility/rounds/{placement_round.pk}/").content.decode()
    cells = re.findall(r"<td>(\d+ seats?, [^<]*)</td>", html)
    assert "2 seats, 2 filled, full: cut-off score 71.50 (rank 7)" in cells
    assert "1 seat, 0 filled, open to every eligible applicant" in cells
    assert "{" not in "".join(cells) and "open:" not in html
    html = client.get(f"/ru/mobility/rounds/{placement_round.pk}/").content.decode()
    assert "71,50" in html  # numbers formatted for the reader's language


@pytest.fixture
def ran_and_published(world, open_call, django_capture_on_commit_callbacks):
    """Four applicants (grades 95, 80, 70, 60) rank the condition option (2 places) above the offer (1 place)."""
    applications, condition_option, offer_option = apply_all(open_call, students(world, 4), [95, 80, 70, 60])
    close(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    with django_capture_on_commit_callbacks(execute=True):
        round_services.round_publish(actor=world["coordinator_a"], placement_round=PlacementRound.objects.get(pk=placement_round.pk))
    return applications, condition_option, offer_option


def test_the_student_sees_points_rank_cut_off_and_waiting_list_position_once_the_round_is_published(client, world, ran_and_published):
    applications, condition_option, offer_option = ran_and_published
    unplaced = applications[3]
    client.force_login(unplaced.applicant)
    html = client.get(f"/en/mobility/calls/{unplaced.call_id}/").content.decode()
    assert re.search(r'id="application-state">Not placed<', html)
    assert re.search(r'id="application-points">\d+\.\d\d<', html)
    standing = re.search(r'<table class="compact" id="placement-standing">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>\s*<td>([^<]*)</td></tr>", standing)
    # she is 4th at the condition option, whose 2 places went to the 1st and 2nd: two places down its waiting list
    assert rows[0][1:] == ("4", rows[0][2], "position 2") and "2 seats, 2 filled, full: cut-off score" in rows[0][2]
    assert "position 1" == rows[1][3]


def test_the_students_status_follows_the_placement_and_the_hosts_answer(client, world, ran_and_published, enterprise):
    applications, condition_option, offer_option = ran_and_published
    placed = applications[2]  # 70: placed at the offer
    url = f"/en/mobility/calls/{placed.call_id}/"
    client.force_login(placed.applicant)
    assert re.search(r'id="application-state">Placed, awaiting the host&#x27;s answer<', client.get(url).content.decode())
    _company, supervisor = enterprise
    round_services.nomination_decide(actor=supervisor, nomination=Nomination.objects.get(application=placed), accept=True)
    html = client.get(url).content.decode()
    assert re.search(r'id="application-state">Accepted by the host<', html)
    assert Application.objects.get(pk=placed.pk).state == "submitted"  # the stored state is unchanged; the page reads the real one


def test_a_student_placed_in_two_calls_for_overlapping_periods_is_warned_on_the_round_page_and_on_her_page(client, world, ran_and_published):
    applications, condition_option, _offer_option = ran_and_published
    person, call = applications[0].applicant, applications[0].call  # placed at the condition option: the academic year 2026/27
    other = Call.objects.create(owner=world.a, title="Summer school 2027", mobility_type="student_internship", academic_year=2026,
                                deadline=timezone.now() - dt.timedelta(days=1), lottery_seed=7, state="published")
    option = CallOption.objects.create(call=other, condition=condition_option.condition, host=world.c, places=3)
    application = Application.objects.create(call=other, applicant=person, state="submitted", year_of_study=2, grade=90)
    other_round = PlacementRound.objects.create(call=other, number=1, state="published")
    outcome = PlacementOutcome.objects.create(round=other_round, application=application, option=option)
    Nomination.objects.create(outcome=outcome, application=application, option=option, host=world.c)
    first_round = call.rounds.get()

    client.force_login(world["coordinator_a"])
    html = client.get(f"/en/mobility/rounds/{first_round.pk}/").content.decode()
    warning = re.search(r'id="placement-conflicts">(.*?)</div>', html, re.S).group(1)
    assert "1 person placed here is also placed in another call for an overlapping period" in warning
    assert person.display_name in warning and "Summer school 2027" in warning
    assert "Publish" not in warning  # a warning, nothing blocked

    client.force_login(person)
    html = client.get(f"/en/mobility/calls/{call.pk}/").content.decode()
    assert 'id="placement-conflicts"' in html and "Summer school 2027" in html

    # a declined placement elsewhere is no conflict
    Nomination.objects.filter(application=application).update(state="declined")
    client.force_login(world["coordinator_a"])
    assert 'id="placement-conflicts"' not in client.get(f"/en/mobility/rounds/{first_round.pk}/").content.decode()


def test_the_split_call_actions_each_have_their_own_address(client, world, open_call):
    from django.urls import reverse

    client.force_login(world["coordinator_a"])
    assert reverse("mobility:call_close", args=[open_call.pk]) == f"/en/mobility/calls/{open_call.pk}/close/"
    response = client.post(f"/en/mobility/calls/{open_call.pk}/close/")
    assert response.status_code == 302
    open_call.refresh_from_db()
    assert open_call.state == "closed"
    assert client.post(f"/en/mobility/calls/{open_call.pk}/nonsense/").status_code == 404


def test_the_students_result_page_runs_the_same_queries_however_many_applied(client, world, open_call):
    def queries(people):
        Application.objects.filter(call=open_call).delete()
        PlacementRound.objects.filter(call=open_call).delete()
        published(open_call, people)
        client.force_login(people[2])  # placed, her nomination pending
        n, _sql, html = captured(client, f"/en/mobility/calls/{open_call.pk}/")
        assert 'id="placement-result"' in html and 'id="placement-standing"' in html
        return n

    assert queries(students(world, 3)) == queries(students(world, 30, start=3))


def test_hosts_names_are_escaped_in_the_choices_and_explanations_built_outside_the_template(client, world, open_call):
    from ortaq.institutions.models import Institution

    Institution.objects.filter(pk=world.c.pk).update(name_en="<b>C</b> & Co", name_latin="<b>C</b> & Co", name_original="<b>C</b> & Co")
    client.force_login(world["coordinator_a"])
    placement_round = published(open_call, students(world, 2))
    call_html = client.get(f"/en/mobility/calls/{open_call.pk}/").content.decode()
    round_html = client.get(f"/en/mobility/rounds/{placement_round.pk}/").content.decode()
    for html in (call_html, round_html):
        assert "<b>C</b>" not in html
        assert "&lt;b&gt;C&lt;/b&gt; &amp; Co" in html
    assert "1. &lt;b&gt;C&lt;/b&gt; &amp; Co<br>2. " in call_html
    assert "&lt;b&gt;C&lt;/b&gt; &amp; Co: Other applicants ranked higher took all its places (your position there: 9)." in round_html


def test_the_open_calls_page_offers_the_newest_offers_not_yet_in_the_call_and_finds_others_by_search(client, world, open_call, enterprise):
    from ortaq.mobility import selectors
    from ortaq.mobility.models import InternshipOffer

    company, _supervisor = enterprise
    InternshipOffer.objects.bulk_create([
        InternshipOffer(host=company, title=f"Offer {i:03d}", tasks="Tasks", city="Tianjin", start_date=dt.date(2026, 3, 1),
                        end_date=dt.date(2026, 5, 31), places=1, isced_code="0714", state="published") for i in range(selectors.OFFERS_TO_ADD + 10)])
    client.force_login(world["coordinator_a"])
    html = client.get(f"/en/mobility/calls/{open_call.pk}/").content.decode()
    listed = re.findall(r'<option value="o\d+">Offer: (Offer \d+|PLC technician intern)', html)
    assert len(listed) == selectors.OFFERS_TO_ADD and listed[0] == f"Offer {selectors.OFFERS_TO_ADD + 9:03d}"
    assert "PLC technician intern" not in listed  # already an option of this call
    html = client.get(f"/en/mobility/calls/{open_call.pk}/?offer_q=Offer+003").content.decode()
    assert re.findall(r'<option value="o\d+">Offer: (Offer \d+)', html) == ["Offer 003"]
