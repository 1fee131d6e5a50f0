"""A learner who accepted a placement and is moved up to an option she ranked higher in a later round must answer
again: a new placement, pending, with the later round's deadline, and a message that tells her so (issue 15)."""

import datetime as dt

from ortaq.mobility import acceptance, round_services
from ortaq.mobility.models import NominationState, PlacementAnswer
from ortaq.notifications.models import Notification
from tests.mobility.conftest import apply_all, close, students


def _publish(world, call, capture):
    with capture(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=call)
    placement_round.refresh_from_db()
    with capture(execute=True):
        round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    placement_round.refresh_from_db()
    return placement_round


def test_a_learner_moved_up_after_accepting_is_asked_again_with_a_new_deadline(world, open_call, django_capture_on_commit_callbacks):
    applications, condition_option, offer_option = apply_all(open_call, students(world, 4), [95, 80, 70, 60])
    close(open_call)
    open_call.acceptance_days = 5
    open_call.save(update_fields=["acceptance_days"])
    _publish(world, open_call, django_capture_on_commit_callbacks)
    third = applications[2]  # placed at the offer, her second choice
    first_placement = third.nominations.get()
    assert first_placement.option_id == offer_option.pk
    acceptance.placement_answer(actor=third.applicant, nomination=first_placement, accept=True)
    top = applications[0].nominations.get()
    acceptance.placement_answer(actor=applications[0].applicant, nomination=top, accept=False)  # frees a seat she prefers

    second = _publish(world, open_call, django_capture_on_commit_callbacks)

    first_placement.refresh_from_db()
    assert first_placement.state == NominationState.DECLINED  # superseded; her old "accepted" no longer stands
    moved = third.nominations.exclude(pk=first_placement.pk).get()
    assert moved.option_id == condition_option.pk
    assert moved.answer == PlacementAnswer.PENDING and moved.answered_at is None
    assert moved.answer_by == second.published_at + dt.timedelta(days=5)
    assert moved.answer_open
    told = Notification.objects.filter(recipient=third.applicant, key="placement_moved_up")
    assert told.count() == 1 and told.get().url.endswith(f"/mobility/placements/{moved.pk}/")
    # the fourth applicant was placed for the first time: the round's message is enough, no "answer again"
    assert not Notification.objects.filter(recipient=applications[3].applicant, key="placement_moved_up").exists()
    assert acceptance.placement_answer(actor=third.applicant, nomination=moved, accept=True).answer == PlacementAnswer.ACCEPTED
