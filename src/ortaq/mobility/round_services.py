"""Placement rounds: request a dry run, run it (the worker's part), publish it, and the hosts' decisions.

A coordinator requests a round (`round_request`); a worker runs it (`round_execute`: round_input.py reads
the call into the engine's instance, the engine solves it, round_outcomes.py stores each applicant's
result); the coordinator inspects the dry run and publishes it (`round_publish`), which nominates the
placed applicants to their hosts and tells everybody (`round_notify`, in the worker); each host accepts
or declines its nominees (`nomination_decide`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.engines import placement
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.notifications.services import names, notify, written

from .acceptance import placements_lapse
from .models import Call, CallState, Nomination, NominationState, PlacementRound, RoundState
from .remote_services import host_decision_record, remote_hosts, share_across_nodes, standing_remote
from .round_input import load_round_input
from .round_outcomes import explanation_texts, store_outcomes
from .services import HOST_ROLES, _require_call_coordinator
from .tasks import notify_round_published, run_round

if TYPE_CHECKING:
    from ortaq.accounts.types import User


@transaction.atomic
def round_request(*, actor: User, call: Call) -> PlacementRound:
    """Queue a dry run. The call stops taking applications; the coordinator inspects the result before publishing."""
    _require_call_coordinator(actor, call)
    # One request at a time per call: two coordinators clicking at once would both find no running round
    # and both take the next number (the second then failing on the unique number, a server error).
    call.refresh_from_db(from_queryset=Call.objects.select_for_update())
    if call.state == CallState.OPEN:
        if call.deadline > timezone.now():
            raise DomainError(_("Wait for the deadline, or close the call, before running a round."), code="open")
        call.state = CallState.CLOSED
        call.save(update_fields=["state"])
    if call.state not in (CallState.CLOSED, CallState.PUBLISHED):
        raise DomainError(_("Open and close the call before running a round."), code="state")
    if call.rounds.filter(state__in=[RoundState.QUEUED, RoundState.RUNNING]).exists():
        raise DomainError(_("A round is already running for this call."), code="busy")
    # Placements left unanswered past their deadline lapse now, so that this round counts their seats as free.
    placements_lapse(call=call)
    number = (call.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    placement_round = PlacementRound.objects.create(call=call, number=number, created_by=actor)
    audit_record(actor=actor, action="create", obj=placement_round, summary=f"{call} round {number}")
    transaction.on_commit(lambda: run_round.enqueue(placement_round.pk))
    return placement_round


def round_execute(*, round_id: int, timings: dict[str, float] | None = None) -> PlacementRound:
    """The work of a round (run by a worker): solve and store outcomes, reporting progress as it goes.

    `timings`, when given, receives the seconds spent loading/building, solving and persisting.
    """
    clock = time.perf_counter()
    placement_round = PlacementRound.objects.select_related("call").get(pk=round_id)
    # A task taken over from a dead worker (ortaq.jobs) runs again: only a queued or interrupted round is
    # (re)computed. A dry run or a published round stays as it is, with its nominations.
    claimed = PlacementRound.objects.filter(pk=round_id, state__in=[RoundState.QUEUED, RoundState.RUNNING]).update(state=RoundState.RUNNING, progress=10)
    if not claimed:
        return placement_round
    try:
        data = load_round_input(placement_round.call)
        PlacementRound.objects.filter(pk=round_id).update(progress=40)
        loaded = time.perf_counter()
        result = placement.solve(data.instance)
        PlacementRound.objects.filter(pk=round_id).update(progress=70)
    except placement.InstanceError as error:
        PlacementRound.objects.filter(pk=round_id).update(state=RoundState.FAILED, error=str(error), progress=100)
        raise
    solved = time.perf_counter()
    inst = data.instance
    placed, explanations = explanation_texts(data, result)
    cut = result.cutoffs()
    option_ids = data.option_ids.tolist()
    cutoffs = {str(option_ids[p]): cut[p] for p in sorted(range(inst.n_placements), key=inst.placement_ids.__getitem__)}
    stats = {"applicants": inst.n_applicants, "placed": result.placed, "seats": int(inst.capacity.sum()),
             "proposals": result.proposals(), "seconds": round(result.seconds, 6)}
    with transaction.atomic():
        store_outcomes(round_id=round_id, application_ids=data.application_ids.tolist(), placed=placed, explanations=explanations)
        PlacementRound.objects.filter(pk=round_id).update(state=RoundState.DRY_RUN, progress=100, stats=stats, cutoffs=cutoffs)
    if timings is not None:
        timings.update(load=loaded - clock, solve=solved - loaded, persist=time.perf_counter() - solved, total=time.perf_counter() - clock)
    return PlacementRound.objects.get(pk=round_id)


@transaction.atomic
def round_publish(*, actor: User, placement_round: PlacementRound) -> PlacementRound:
    """Publish a dry run: applicants see their results, the placed are nominated to their hosts."""
    call = placement_round.call
    _require_call_coordinator(actor, call)
    # The transition itself decides who publishes: two coordinators clicking at once both read a dry run,
    # but only one UPDATE finds the row still in that state (PostgreSQL makes the second wait for the
    # first's row lock and then re-checks the condition; SQLite's IMMEDIATE transactions run them one
    # after the other). The loser stops here, before nominating or notifying anybody a second time.
    published_at = timezone.now()
    won = PlacementRound.objects.filter(pk=placement_round.pk, state=RoundState.DRY_RUN).update(
        state=RoundState.PUBLISHED, published_at=published_at)
    if not won:
        raise DomainError(_("Only a finished dry run can be published."), code="state")
    if call.rounds.filter(number__gt=placement_round.number).exists():
        raise DomainError(_("A newer round exists; publish that one instead."), code="stale")  # rolls the UPDATE back
    placement_round.state, placement_round.published_at = RoundState.PUBLISHED, published_at
    call.state = CallState.PUBLISHED
    call.save(update_fields=["state"])
    # In bulk, because a national round places on the order of 10^5 applicants: one query for the standing
    # nominations, one update for those superseded, one insert for the new ones.
    placed = list(placement_round.outcomes.filter(option__isnull=False).values_list("pk", "application_id", "option_id", "option__host_id"))
    standing: dict[int, set[int]] = {}
    for application_id, option_id in Nomination.objects.filter(application__call=call).exclude(state=NominationState.DECLINED).values_list("application_id", "option_id"):
        standing.setdefault(application_id, set()).add(option_id)
    new, superseded = [], []
    answer_by = published_at + dt.timedelta(days=call.acceptance_days)  # the placed answer by then (acceptance.py)
    for outcome_id, application_id, option_id, host_id in placed:
        held = standing.get(application_id, set())
        if option_id in held:
            continue
        if held:
            superseded.append(application_id)  # she moved to an option she prefers: earlier nominations lapse
        new.append(Nomination(outcome_id=outcome_id, application_id=application_id, option_id=option_id, host_id=host_id,
                              answer_by=answer_by))
    withdrawn = standing_remote(superseded) if superseded else []  # hosts on other nodes stop waiting for them
    if superseded:
        reason = str(_("Placed at a preferred option in round %(n)d.") % {"n": placement_round.number})
        Nomination.objects.filter(application_id__in=superseded).exclude(state=NominationState.DECLINED).update(
            state=NominationState.DECLINED, reason=reason, decided_at=timezone.now())
    created = Nomination.objects.bulk_create(new, batch_size=5000)
    # Nominations to hosts on other nodes, and those this round superseded there, go to those nodes (the federation
    # writes its outbox in this transaction).
    share_across_nodes(change="withdrawn", nomination_ids=withdrawn, reason="superseded")
    remote = remote_hosts({n.host_id for n in created})
    share_across_nodes(change="sent", nomination_ids=[n.pk for n in created if n.host_id in remote])
    audit_record(actor=actor, action="transition", obj=placement_round, after={"state": "published", "nominations": len(created)}, summary=str(call))
    transaction.on_commit(lambda: notify_round_published.enqueue(placement_round.pk, [n.pk for n in created]))
    return placement_round


@transaction.atomic
def round_notify(*, round_id: int, nomination_ids: list[int]) -> int:
    """Tell every applicant that results are out, and each host's staff once about their new nominees.

    Exactly once: the round is marked notified in the same transaction as the notifications (whose e-mails
    leave on commit), so a task run again after a worker died sends nothing twice."""
    if not PlacementRound.objects.filter(pk=round_id, notified_at__isnull=True).update(notified_at=timezone.now()):
        return 0
    placement_round = PlacementRound.objects.select_related("call").get(pk=round_id)
    call = placement_round.call
    applicants = get_user_model().objects.filter(pk__in=placement_round.outcomes.values("application__applicant_id"))
    sent = notify(recipients=list(applicants), key="round_published", params={"call": written(call)}, url=reverse("mobility:call", args=[call.pk]))
    by_host: dict[int, list] = defaultdict(list)
    for nomination in Nomination.objects.filter(pk__in=nomination_ids).select_related("application__applicant", "host"):
        by_host[nomination.host_id].append(nomination)
    sent += _ask_the_moved_up_again(placement_round, [n for host in by_host.values() for n in host])
    staff: dict[int, list] = defaultdict(list)
    for membership in memberships(institutions=list(by_host), roles=[Role.COORDINATOR, Role.COMPANY_SUPERVISOR]).select_related("user"):
        staff[membership.institution_id].append(membership.user)
    for host_id, nominations in by_host.items():
        if not staff[host_id]:
            continue
        if len(nominations) == 1:
            params: dict[str, object] = {"applicant": str(nominations[0].application.applicant), "host": names(nominations[0].host), "call": written(call)}
            sent += notify(recipients=staff[host_id], key="nomination_received", url=reverse("mobility:nominations"), params=params)
        else:
            params = {"count": len(nominations), "host": names(nominations[0].host), "call": written(call)}
            sent += notify(recipients=staff[host_id], key="nominations_received", url=reverse("mobility:nominations"), params=params)
    return sent


def _ask_the_moved_up_again(placement_round: PlacementRound, nominations: list[Nomination]) -> int:
    """Those this round moved up to a preferred option were placed before, and may have accepted that placement:
    round_publish declined the earlier nomination and made a new one, pending with its own deadline. Each is told
    in person that she must answer again (the round's general message does not say so). "Moved up": an earlier
    nomination of hers was superseded at this round's publication (decided from then on)."""
    moved = set(Nomination.objects.filter(application_id__in=[n.application_id for n in nominations], state=NominationState.DECLINED,
                                          decided_at__gte=placement_round.published_at, pk__lt=min((n.pk for n in nominations), default=0))
                .values_list("application_id", flat=True))
    sent = 0
    for nomination in nominations:
        if nomination.application_id in moved:
            sent += notify(recipients=[nomination.application.applicant], key="placement_moved_up", url=reverse("mobility:placement", args=[nomination.pk]),
                           params={"call": written(placement_round.call), "host": names(nomination.host), "deadline": nomination.answer_by})
    return sent


@transaction.atomic
def nomination_decide(*, actor: User, nomination: Nomination, accept: bool, reason: str = "") -> Nomination:
    """The host accepts or declines a nominee (declining needs a reason, which the applicant sees)."""
    access = access_for(actor)
    if not (access.is_admin or access.has_role(nomination.host_id, *HOST_ROLES)):
        raise Forbidden(_("Only the host decides on its nominations."))
    # Read the state under a row lock: two of the host's staff deciding at once must not both succeed.
    if nomination.host.node:  # a host on another node decides there; its decision comes back as a message
        raise DomainError(_("Only the host's node decides on this nomination."), code="home_node")
    if Nomination.objects.select_for_update().values_list("state", flat=True).get(pk=nomination.pk) != NominationState.PENDING:
        raise DomainError(_("This nomination has already been decided."), code="state")
    return host_decision_record(nomination, accept=accept, reason=reason, decided_by=actor)
