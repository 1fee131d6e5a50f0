import pytest

from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.mobility import round_services, selectors, services
from ortaq.mobility.models import CallState, NominationState, RoundState
from tests.mobility.conftest import application_input, apply_all, close, students


@pytest.fixture
def ran_round(world, open_call, django_capture_on_commit_callbacks):
    people = students(world, 4)
    applications, condition_option, offer_option = apply_all(open_call, people, [95, 80, 70, 60])
    close(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    placement_round.refresh_from_db()
    return placement_round, applications, condition_option, offer_option


def test_a_dry_run_places_by_points_and_explains_every_higher_option(world, ran_round):
    placement_round, applications, condition_option, offer_option = ran_round
    assert placement_round.state == RoundState.DRY_RUN and placement_round.progress == 100
    assert placement_round.stats["placed"] == 3 and placement_round.stats["seats"] == 3
    placed = {o.application_id: o.option_id for o in placement_round.outcomes.all()}
    assert placed[applications[0].pk] == placed[applications[1].pk] == condition_option.pk
    assert placed[applications[2].pk] == offer_option.pk
    assert placed[applications[3].pk] is None
    third = placement_round.outcomes.get(application=applications[2])
    assert [(e["option"], e["reason"]) for e in third.explanations] == [(condition_option.pk, "below_cutoff")]
    assert str(condition_option.pk) in placement_round.cutoffs


def test_a_dry_run_is_invisible_to_applicants_until_published(world, ran_round):
    placement_round, applications, *_ = ran_round
    assert selectors.outcome_of(application=applications[0]) is None
    round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    assert selectors.outcome_of(application=applications[0]).option_id is not None
    assert placement_round.call.state == CallState.PUBLISHED


def test_publishing_nominates_the_placed_and_a_host_sees_only_its_nominees(world, enterprise, ran_round):
    placement_round, applications, condition_option, offer_option = ran_round
    round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    company, supervisor = enterprise
    mine = list(selectors.nominations_for_host(actor=supervisor))
    assert [n.application_id for n in mine] == [applications[2].pk]
    assert selectors.nominations_for_host(actor=world["coordinator_b"]).count() == 0
    with pytest.raises(Forbidden):
        round_services.nomination_decide(actor=world["coordinator_c"], nomination=mine[0], accept=True)
    with pytest.raises(ValidationFailed):
        round_services.nomination_decide(actor=supervisor, nomination=mine[0], accept=False, reason=" ")
    decided = round_services.nomination_decide(actor=supervisor, nomination=mine[0], accept=False, reason="Дата не подходит")
    assert decided.state == NominationState.DECLINED and decided.decided_by == supervisor


def test_a_second_round_after_a_withdrawal_leaves_nobody_worse_off(world, ran_round, django_capture_on_commit_callbacks):
    placement_round, applications, condition_option, offer_option = ran_round
    round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    before = {o.application_id: o.option_id for o in placement_round.outcomes.all()}
    services.application_withdraw(actor=applications[0].applicant, application=applications[0])
    with django_capture_on_commit_callbacks(execute=True):
        second = round_services.round_request(actor=world["coordinator_a"], call=placement_round.call)
    second.refresh_from_db()
    after = {o.application_id: o.option_id for o in second.outcomes.all()}
    assert applications[0].pk not in after
    preference = {condition_option.pk: 0, offer_option.pk: 1, None: 2}
    for application_id, option_id in after.items():
        assert preference[option_id] <= preference[before[application_id]]
    assert after[applications[2].pk] == condition_option.pk  # moved up into the freed place
    assert after[applications[3].pk] == offer_option.pk
    round_services.round_publish(actor=world["coordinator_a"], placement_round=second)
    states = {n.option_id: n.state for n in applications[2].nominations.all()}
    assert states == {offer_option.pk: NominationState.DECLINED, condition_option.pk: NominationState.PENDING}


def test_an_ineligible_choice_is_explained_as_such(world, open_call, django_capture_on_commit_callbacks):
    person = students(world, 1)[0]
    offer_option = open_call.options.get(offer__isnull=False)
    condition_option = open_call.options.get(condition__isnull=False)
    application = services.application_save(actor=person, call=open_call, application=application_input(year_of_study=2, grade="90"), option_ids=[condition_option.pk, offer_option.pk], submit=True)
    person.language_certificates.all().delete()  # the certificate turned out to be invalid after submission
    close(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    outcome = placement_round.outcomes.get(application=application)
    assert outcome.option_id == offer_option.pk
    assert outcome.explanations[0]["reason"] == "not_eligible" and "HSK" in outcome.explanations[0]["details"][0]


def test_only_the_calls_coordinator_runs_and_publishes_rounds(world, open_call):
    close(open_call)
    for who in ("teacher_a", "coordinator_b", "coordinator_c"):
        with pytest.raises(Forbidden):
            round_services.round_request(actor=world[who], call=open_call)


def test_a_round_cannot_run_while_the_call_is_still_open(world, open_call):
    with pytest.raises(DomainError) as error:
        round_services.round_request(actor=world["coordinator_a"], call=open_call)
    assert error.value.code == "open"


def test_the_applicant_sees_the_result_and_its_explanation_in_chinese(client, world, ran_round):
    placement_round, applications, *_ = ran_round
    round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    client.force_login(applications[2].applicant)
    page = client.get(f"/zh-hans/mobility/calls/{placement_round.call.pk}/").content.decode()
    assert 'id="placement-result"' in page and 'id="placement-explanations"' in page
    assert "Other applicants ranked higher" not in page


def test_the_coordinator_round_page_shows_fill_rates_and_cutoffs(client, world, ran_round):
    placement_round, *_ = ran_round
    client.force_login(world["coordinator_a"])
    page = client.get(f"/en/mobility/rounds/{placement_round.pk}/").content.decode()
    assert "100%" in page and "Publish the results" in page
    client.force_login(world["coordinator_b"])
    assert client.get(f"/en/mobility/rounds/{placement_round.pk}/").status_code == 404


def test_a_round_task_run_again_after_a_worker_died_leaves_a_published_round_and_its_nominations_alone(world, ran_round, django_capture_on_commit_callbacks):
    from ortaq.mobility.models import Nomination

    placement_round, *_ = ran_round
    with django_capture_on_commit_callbacks(execute=True):
        round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    nominations = set(Nomination.objects.values_list("pk", flat=True))
    assert nominations
    again = round_services.round_execute(round_id=placement_round.pk)  # what a recovered task does
    again.refresh_from_db()
    assert again.state == RoundState.PUBLISHED and set(Nomination.objects.values_list("pk", flat=True)) == nominations


def test_publication_notifications_are_sent_once_even_when_the_task_runs_twice(world, ran_round, django_capture_on_commit_callbacks):
    from django.core import mail

    from ortaq.mobility.models import Nomination
    from ortaq.notifications.models import Notification

    placement_round, *_ = ran_round
    with django_capture_on_commit_callbacks(execute=True):
        round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    sent, mails = Notification.objects.count(), len(mail.outbox)
    assert sent > 0
    ids = list(Nomination.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert round_services.round_notify(round_id=placement_round.pk, nomination_ids=ids) == 0
    assert Notification.objects.count() == sent and len(mail.outbox) == mails
