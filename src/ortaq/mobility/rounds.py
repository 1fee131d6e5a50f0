"""Placement rounds: build the engine's instance from the database, run it, store outcomes, publish.

The placement engine (ortaq.engines.placement) computes the applicant-optimal stable matching; this module
only translates calls, options and applications into its instance and its result back into outcomes,
nominations and explanations.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.models import LanguageCertificate
from ortaq.audit.services import audit_record
from ortaq.engines import placement
from ortaq.errors import DomainError

from . import eligibility
from .models import (
    Application,
    ApplicationState,
    Call,
    CallState,
    Choice,
    HostRanking,
    Nomination,
    NominationState,
    PlacementOutcome,
    PlacementRound,
    RankingRule,
    RoundState,
)
from .services import _require_call_coordinator

INCLUSION = "inclusion"


def _applications(call: Call):
    return (
        Application.objects.filter(call=call, state=ApplicationState.SUBMITTED)
        .select_related("applicant")
        .prefetch_related(
            Prefetch("choices", queryset=Choice.objects.select_related("option__condition", "option__offer").order_by("rank")),
            Prefetch("applicant__language_certificates", queryset=LanguageCertificate.objects.all()),
        )
        .order_by("id")
    )


def build_instance(call: Call) -> tuple[dict, dict[int, dict[int, list[str]]]]:
    """The engine instance for a call, and the eligibility reasons per application and option."""
    programme_ids = set(call.eligible_programmes.values_list("pk", flat=True))
    declined = set(Nomination.objects.filter(application__call=call, state=NominationState.DECLINED).values_list("application_id", "option_id"))
    applicants, reasons = [], {}
    options = list(call.options.order_by("id"))
    acceptable: dict[int, dict[str, int]] = {o.pk: {} for o in options}
    host_order: dict[int, list[tuple[int, str]]] = {o.pk: [] for o in options}
    rankings = {(r.option_id, r.application_id): r.rank for r in HostRanking.objects.filter(option__call=call)}
    for application in _applications(call):
        certificates = list(application.applicant.language_certificates.all())
        base = eligibility.call_reasons(
            call, programme_id=application.programme_id, year_of_study=application.year_of_study, grade=application.grade,
            certificates=certificates, eligible_programme_ids=programme_ids,
        )
        score = int(eligibility.points(call, application, certificates) * 100)
        preferences = []
        for choice in application.choices.all():
            option = choice.option
            if (application.pk, option.pk) in declined:
                continue
            preferences.append(option.engine_id)
            why = base + eligibility.option_reasons(option, certificates)
            if why:
                reasons.setdefault(application.pk, {})[option.pk] = why
                continue
            if call.ranking_rule == RankingRule.POINTS:
                acceptable[option.pk][application.engine_id] = score
            elif (option.pk, application.pk) in rankings:
                host_order[option.pk].append((rankings[(option.pk, application.pk)], application.engine_id))
        consented = application.share_accessibility_needs and application.applicant.accessibility_consent_at
        applicants.append({"id": application.engine_id, "preferences": preferences, "categories": [INCLUSION] if consented else []})
    placements = []
    for option in options:
        entry = {"id": option.engine_id, "capacity": option.places}
        if call.ranking_rule == RankingRule.POINTS:
            entry["priorities"] = acceptable[option.pk]
        else:
            entry["preferences"] = [engine_id for _, engine_id in sorted(host_order[option.pk])]
        if option.reserved_inclusion:
            entry["reserved"] = [{"category": INCLUSION, "seats": option.reserved_inclusion}]
        placements.append(entry)
    instance = {"applicants": applicants, "placements": placements,
                "options": {"lottery_seed": call.lottery_seed, "tie_breaking": "single", "categories": [INCLUSION]}}
    return instance, reasons


@transaction.atomic
def round_request(*, actor, call: Call) -> PlacementRound:
    """Queue a dry run. The call stops taking applications; the coordinator inspects the result before publishing."""
    _require_call_coordinator(actor, call)
    if call.state == CallState.OPEN:
        if call.deadline > timezone.now():
            raise DomainError(_("Wait for the deadline, or close the call, before running a round."), code="open")
        call.state = CallState.CLOSED
        call.save(update_fields=["state"])
    if call.state not in (CallState.CLOSED, CallState.PUBLISHED):
        raise DomainError(_("Open and close the call before running a round."), code="state")
    if call.rounds.filter(state__in=[RoundState.QUEUED, RoundState.RUNNING]).exists():
        raise DomainError(_("A round is already running for this call."), code="busy")
    number = (call.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    placement_round = PlacementRound.objects.create(call=call, number=number, created_by=actor)
    audit_record(actor=actor, action="create", obj=placement_round, summary=f"{call} round {number}")
    from .tasks import run_round

    transaction.on_commit(lambda: run_round.enqueue(placement_round.pk))
    return placement_round


def round_execute(round_id: int) -> PlacementRound:
    """The work of a round (run by a worker): solve and store outcomes, reporting progress as it goes."""
    placement_round = PlacementRound.objects.select_related("call").get(pk=round_id)
    PlacementRound.objects.filter(pk=round_id).update(state=RoundState.RUNNING, progress=10)
    try:
        instance, reasons = build_instance(placement_round.call)
        PlacementRound.objects.filter(pk=round_id).update(progress=40)
        result = placement.solve(placement.load_instance(instance)).as_dict()
        PlacementRound.objects.filter(pk=round_id).update(progress=70)
    except placement.InstanceError as error:
        PlacementRound.objects.filter(pk=round_id).update(state=RoundState.FAILED, error=str(error), progress=100)
        raise
    option_ids = {f"o{o}": o for o in placement_round.call.options.values_list("pk", flat=True)}
    outcomes = []
    for engine_id, placed in result["matching"].items():
        application_id = int(engine_id[1:])
        explanations = []
        for item in result["explanations"].get(engine_id, []):
            option_id = option_ids[item["placement"]]
            why = reasons.get(application_id, {}).get(option_id)
            explanations.append({"option": option_id, "reason": "not_eligible" if why else item["reason"], "details": why or [],
                                 **({"rank": item["rank"]} if "rank" in item else {})})
        outcomes.append(PlacementOutcome(round=placement_round, application_id=application_id, option_id=option_ids[placed] if placed else None, explanations=explanations))
    with transaction.atomic():
        PlacementOutcome.objects.filter(round=placement_round).delete()
        PlacementOutcome.objects.bulk_create(outcomes, batch_size=5000)
        cutoffs = {str(option_ids[k]): v for k, v in result["cutoffs"].items()}
        PlacementRound.objects.filter(pk=round_id).update(state=RoundState.DRY_RUN, progress=100, stats=result["stats"], cutoffs=cutoffs)
    return PlacementRound.objects.get(pk=round_id)


@transaction.atomic
def round_publish(*, actor, placement_round: PlacementRound) -> PlacementRound:
    call = placement_round.call
    _require_call_coordinator(actor, call)
    if placement_round.state != RoundState.DRY_RUN:
        raise DomainError(_("Only a finished dry run can be published."), code="state")
    if call.rounds.filter(number__gt=placement_round.number).exists():
        raise DomainError(_("A newer round exists; publish that one instead."), code="stale")
    placement_round.state = RoundState.PUBLISHED
    placement_round.published_at = timezone.now()
    placement_round.save(update_fields=["state", "published_at"])
    call.state = CallState.PUBLISHED
    call.save(update_fields=["state"])
    created = []
    for outcome in placement_round.outcomes.filter(option__isnull=False).select_related("option", "application__applicant"):
        existing = Nomination.objects.filter(application=outcome.application).exclude(state=NominationState.DECLINED)
        if existing.filter(option=outcome.option).exists():
            continue
        # The applicant moved to an option she prefers: the earlier nomination no longer stands.
        existing.update(state=NominationState.DECLINED, reason=str(_("Placed at a preferred option in round %(n)d.") % {"n": placement_round.number}), decided_at=timezone.now())
        created.append(Nomination.objects.create(outcome=outcome, application=outcome.application, option=outcome.option, host_id=outcome.option.host_id))
    audit_record(actor=actor, action="transition", obj=placement_round, after={"state": "published", "nominations": len(created)}, summary=str(call))
    from .tasks import notify_round_published

    transaction.on_commit(lambda: notify_round_published.enqueue(placement_round.pk, [n.pk for n in created]))
    return placement_round


def round_notify(round_id: int, nomination_ids: list[int]) -> int:
    from ortaq.accounts.models import Membership, Role
    from ortaq.notifications.services import notify

    placement_round = PlacementRound.objects.select_related("call").get(pk=round_id)
    call = placement_round.call
    applicants = [o.application.applicant for o in placement_round.outcomes.select_related("application__applicant")]
    sent = notify(recipients=applicants, key="round_published", params={"call": call.title}, url=reverse("mobility:call", args=[call.pk]))
    for nomination in Nomination.objects.filter(pk__in=nomination_ids).select_related("application__applicant", "host"):
        hosts = [m.user for m in Membership.objects.filter(institution=nomination.host, role__in=[Role.COORDINATOR, Role.COMPANY_SUPERVISOR]).select_related("user")]
        sent += notify(recipients=hosts, key="nomination_received", url=reverse("mobility:nominations"),
                       params={"applicant": str(nomination.application.applicant), "host": str(nomination.host), "call": call.title})
    return sent


@transaction.atomic
def nomination_decide(*, actor, nomination: Nomination, accept: bool, reason: str = "") -> Nomination:
    from ortaq.accounts.selectors import access_for
    from ortaq.errors import Forbidden, ValidationFailed
    from ortaq.notifications.services import notify

    from .services import HOST_ROLES

    access = access_for(actor)
    if not (access.is_admin or access.has_role(nomination.host_id, *HOST_ROLES)):
        raise Forbidden(_("Only the host decides on its nominations."))
    if nomination.state != NominationState.PENDING:
        raise DomainError(_("This nomination has already been decided."), code="state")
    if not accept and not reason.strip():
        raise ValidationFailed({"reason": [str(_("Give the reason for declining."))]})
    nomination.state = NominationState.ACCEPTED if accept else NominationState.DECLINED
    nomination.reason = reason.strip()
    nomination.decided_by = actor
    nomination.decided_at = timezone.now()
    nomination.save()
    audit_record(actor=actor, action="transition", obj=nomination, after={"state": nomination.state, "reason": nomination.reason})
    call = nomination.application.call
    coordinators = [m.user for m in call.owner.memberships.filter(role="coordinator").select_related("user")]
    decision = str(_("accepted")) if accept else str(_("declined"))
    notify(recipients=[nomination.application.applicant, *coordinators], key="nomination_decided",
                                         params={"decision": decision, "call": call.title, "host": str(nomination.host), "applicant": str(nomination.application.applicant)},
                                         url=reverse("mobility:call", args=[call.pk]))
    return nomination
