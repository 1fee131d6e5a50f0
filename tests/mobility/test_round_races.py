"""Transitions of a round that two people can trigger at once have one winner, decided in the database.

The threaded tests run on a shared copy of the test database (tests/jobs/shared_database.py), each thread
with its own connection: on PostgreSQL the loser waits for the winner's row lock and then finds the state
changed; on SQLite the IMMEDIATE transactions run one after the other. The tests widen the window between
the state check and the commit (`slowed`), where an unguarded second call used to pass the same check.
"""

from __future__ import annotations

from collections import Counter

import pytest

from ortaq.accounts.models import Role
from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError
from ortaq.mobility import round_services
from ortaq.mobility.models import Nomination, NominationState, PlacementRound, RoundState
from ortaq.notifications.models import Notification
from tests.conftest import make_user
from tests.jobs.races import at_once, slowed
from tests.jobs.shared_database import shared_db  # noqa: F401
from tests.mobility.conftest import apply_all, close, students


def dry_run(world, call) -> PlacementRound:
    apply_all(call, students(world, 4), [95, 80, 70, 60])
    close(call)
    placement_round = round_services.round_request(actor=world["coordinator_a"], call=call)  # runs at commit: a transactional test
    placement_round.refresh_from_db()
    assert placement_round.state == RoundState.DRY_RUN
    return placement_round


def one_winner(outcomes: list[object], kind: type) -> tuple[object, DomainError]:
    [won] = [o for o in outcomes if isinstance(o, kind)]
    [lost] = [o for o in outcomes if not isinstance(o, kind)]
    assert isinstance(lost, DomainError), lost
    return won, lost


def test_two_coordinators_publishing_a_round_at_once_publish_it_once_and_notify_everybody_once(
        shared_db, transactional_db, world, open_call, monkeypatch):
    placement_round = dry_run(world, open_call)
    second = make_user("coordinator_a2", (world.a, Role.COORDINATOR))
    monkeypatch.setattr(round_services, "audit_record", slowed(round_services.audit_record))
    # each coordinator's page loaded the dry run before either clicked
    copies = [PlacementRound.objects.select_related("call").get(pk=placement_round.pk) for _ in range(2)]
    outcomes = at_once(lambda: round_services.round_publish(actor=world["coordinator_a"], placement_round=copies[0]),
                       lambda: round_services.round_publish(actor=second, placement_round=copies[1]))
    _, lost = one_winner(outcomes, PlacementRound)
    assert lost.code == "state"
    assert Nomination.objects.filter(outcome__round=placement_round).count() == placement_round.stats["placed"] == 3
    assert AuditEvent.objects.filter(object_type="mobility.placementround", object_id=str(placement_round.pk),
                                     action="transition").count() == 1
    results = Counter(Notification.objects.filter(key="round_published").values_list("recipient_id", flat=True))
    assert len(results) == 4 and set(results.values()) == {1}  # every applicant told once
    hosts = Counter(Notification.objects.filter(key__in=["nomination_received", "nominations_received"]).values_list("recipient_id", flat=True))
    assert hosts and set(hosts.values()) == {1}  # each host's staff told once about their nominees


def test_two_of_the_hosts_staff_deciding_a_nomination_at_once_decide_it_once(
        shared_db, transactional_db, world, open_call, enterprise, monkeypatch):
    round_services.round_publish(actor=world["coordinator_a"], placement_round=dry_run(world, open_call))
    company, supervisor = enterprise
    colleague = make_user("supervisor_e2", (company, Role.COMPANY_SUPERVISOR))
    nomination = Nomination.objects.get(host=company)
    Notification.objects.all().delete()
    monkeypatch.setattr(round_services, "audit_record", slowed(round_services.audit_record))
    outcomes = at_once(
        lambda: round_services.nomination_decide(actor=supervisor, nomination=Nomination.objects.get(pk=nomination.pk), accept=True),
        lambda: round_services.nomination_decide(actor=colleague, nomination=Nomination.objects.get(pk=nomination.pk),
                                                 accept=False, reason="No room"))
    won, lost = one_winner(outcomes, Nomination)
    assert lost.code == "state"
    nomination.refresh_from_db()
    assert nomination.state == won.state != NominationState.PENDING and nomination.decided_by_id == won.decided_by_id
    assert Notification.objects.filter(key="nomination_decided", recipient=nomination.application.applicant).count() == 1


def test_two_coordinators_requesting_a_round_at_once_get_one_round_each_numbered_or_a_clear_refusal(
        shared_db, transactional_db, world, open_call, monkeypatch):
    apply_all(open_call, students(world, 2), [90, 80])
    close(open_call)
    second = make_user("coordinator_a2", (world.a, Role.COORDINATOR))
    monkeypatch.setattr(round_services, "audit_record", slowed(round_services.audit_record))
    outcomes = at_once(lambda: round_services.round_request(actor=world["coordinator_a"], call=open_call.__class__.objects.get(pk=open_call.pk)),
                       lambda: round_services.round_request(actor=second, call=open_call.__class__.objects.get(pk=open_call.pk)))
    # Before the call's row lock the second request took the same number and failed on the unique constraint
    # (a server error). Now it waits: it finds the first round still running and is refused, or finished and
    # gets the next number.
    rounds = [o for o in outcomes if isinstance(o, PlacementRound)]
    refused = [o for o in outcomes if not isinstance(o, PlacementRound)]
    assert all(isinstance(o, DomainError) and o.code == "busy" for o in refused), refused
    assert sorted(PlacementRound.objects.filter(call=open_call).values_list("number", flat=True)) == list(range(1, len(rounds) + 1))


@pytest.mark.django_db
def test_publishing_a_round_again_from_a_page_loaded_before_the_first_publication_is_refused(
        world, open_call, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        apply_all(open_call, students(world, 4), [95, 80, 70, 60])
        close(open_call)
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    stale = PlacementRound.objects.select_related("call").get(pk=placement_round.pk)
    placement_round.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    with django_capture_on_commit_callbacks(execute=True) as again, pytest.raises(DomainError) as error:
        round_services.round_publish(actor=world["coordinator_a"], placement_round=stale)
    assert error.value.code == "state" and again == []  # nothing queued: no second notification task
    assert Nomination.objects.filter(outcome__round=placement_round).count() == 3
    assert Notification.objects.filter(key="round_published").count() == 4


@pytest.mark.django_db
def test_an_older_dry_run_is_not_published_once_a_newer_round_exists_and_stays_a_dry_run(
        world, open_call, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        apply_all(open_call, students(world, 2), [95, 80])
        close(open_call)
        first = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    with django_capture_on_commit_callbacks(execute=True):
        round_services.round_request(actor=world["coordinator_a"], call=open_call)
    first.refresh_from_db()
    with pytest.raises(DomainError) as error:
        round_services.round_publish(actor=world["coordinator_a"], placement_round=first)
    assert error.value.code == "stale"
    first.refresh_from_db()
    assert first.state == RoundState.DRY_RUN and first.published_at is None
    assert not Nomination.objects.exists()
