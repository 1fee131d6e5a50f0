"""Reads for mobility, scoped by role: the sending side sees its outgoing people, a host only its nominees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role

from .models import (
    Application, ApplicationState, Call, CallOption, CallState, Choice, InternshipOffer, LogbookEntry, MobilityAgreement, Nomination,
    OfferState, PlacementOutcome, PlacementRound, TranscriptEntry,
)

if TYPE_CHECKING:
    import datetime as dt
    from ortaq.accounts.types import Actor, User
    from ortaq.agreements.types import CooperationCondition


def offers_visible_to(*, actor: Actor) -> QuerySet[InternshipOffer]:
    access = access_for(actor)
    qs = InternshipOffer.objects.select_related("host")
    if access.is_admin:
        return qs
    return qs.filter(Q(state=OfferState.PUBLISHED) | Q(host_id__in=access.staff_of))


def calls_visible_to(*, actor: Actor) -> QuerySet[Call]:
    access = access_for(actor)
    qs = Call.objects.select_related("owner").annotate(option_count=Count("options", distinct=True)).order_by("-deadline", "-id")
    if access.sees_everything:
        return qs if access.is_admin else qs.exclude(state=CallState.DRAFT)
    hosting = CallOption.objects.filter(host_id__in=access.staff_of).values("call_id")
    return qs.filter(
        Q(owner_id__in=access.staff_of)
        | (Q(owner_id__in=access.member_of) & ~Q(state=CallState.DRAFT))
        | (Q(pk__in=hosting) & ~Q(state=CallState.DRAFT))
    )


def call_get(*, actor: Actor, pk: int) -> Call | None:
    return calls_visible_to(actor=actor).prefetch_related("eligible_programmes").filter(pk=pk).first()


def manages_call(*, actor: Actor, call: Call) -> bool:
    access = access_for(actor)
    return access.is_admin or call.owner_id in access.manages


def applications_for_coordinator(*, actor: Actor, call: Call) -> QuerySet[Application]:
    """All applications of a call, for its coordinators and registrars only."""
    access = access_for(actor)
    if not (access.is_admin or access.has_role(call.owner_id, Role.COORDINATOR, Role.REGISTRAR)):
        return Application.objects.none()
    return (
        Application.objects.filter(call=call).exclude(state=ApplicationState.DRAFT)
        .select_related("applicant", "programme")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related("option__host")), "applicant__language_certificates")
        .order_by("id")
    )


def own_application(*, actor: User, call: Call) -> Application | None:
    return (
        Application.objects.filter(call=call, applicant=actor)
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related("option__host", "option__offer")), "documents")
        .first()
    )


def latest_round(call: Call, *, published_only: bool = False) -> PlacementRound | None:
    qs = call.rounds.all()
    if published_only:
        qs = qs.filter(state="published")
    return qs.order_by("-number").first()


def rounds_of(call: Call) -> QuerySet[PlacementRound]:
    """A call's rounds for a list: without their cutoffs and stats (megabytes of JSON for a national round)."""
    return call.rounds.only("id", "call_id", "number", "state")


def outcome_of(*, application: Application) -> PlacementOutcome | None:
    """The applicant's result in the latest published round (never a dry run)."""
    return (
        # Not select_related("round"): a national round's cutoffs are megabytes of JSON the result page never shows.
        PlacementOutcome.objects.filter(application=application, round__state="published")
        .select_related("option__host")
        .order_by("-round__number")
        .first()
    )


def round_outcomes(*, actor: Actor, placement_round: PlacementRound) -> QuerySet[PlacementOutcome]:
    if not manages_call(actor=actor, call=placement_round.call):
        return PlacementOutcome.objects.none()
    return placement_round.outcomes.select_related("application__applicant", "option__host").order_by("application_id")


def fill_rates(placement_round: PlacementRound, *, options: list[CallOption] | None = None) -> list[dict]:
    """Placed, places and cutoff per option of the round's call (`options`: the call's options with their hosts,
    when the caller has loaded them already)."""
    placed = dict(placement_round.outcomes.filter(option__isnull=False).values_list("option_id").annotate(n=Count("id")))
    rows = []
    for option in options if options is not None else placement_round.call.options.select_related("host").order_by("id"):
        n = placed.get(option.pk, 0)
        rows.append({"option": option, "placed": n, "places": option.places, "cutoff": placement_round.cutoffs.get(str(option.pk), {}),
                     "rate": round(100 * n / option.places) if option.places else 0})
    return rows


def nominations_for_host(*, actor: Actor) -> QuerySet[Nomination]:
    """A host sees only the people nominated to it, never other applicants."""
    access = access_for(actor)
    qs = Nomination.objects.select_related("application__applicant", "application__call__owner", "option", "host")
    if access.is_admin:
        return qs
    return qs.filter(host_id__in=access.institutions_with({Role.COORDINATOR, Role.COMPANY_SUPERVISOR}))


def nomination_for_host(*, actor: Actor, pk: int) -> Nomination | None:
    return nominations_for_host(actor=actor).filter(pk=pk).first()


def options_for_call(call: Call) -> tuple[list[tuple[CooperationCondition, int]], list[InternshipOffer]]:
    """Cooperation conditions and offers a coordinator may draw places from, with the places left this year."""
    from ortaq.agreements.selectors import condition_rows
    from ortaq.agreements.types import AgreementState

    conditions = list(condition_rows().filter(
        sending_id=call.owner_id, mobility_type=call.mobility_type, start_year__lte=call.academic_year, end_year__gte=call.academic_year,
        agreement__state__in=[AgreementState.APPROVED, AgreementState.IN_EFFECT],
    ).select_related("receiving", "agreement"))
    offers = InternshipOffer.objects.filter(state=OfferState.PUBLISHED).select_related("host")
    # What `services.places_used` counts, for every condition in one query instead of one query each.
    used = dict(
        CallOption.objects.filter(condition__in=conditions, call__academic_year=call.academic_year)
        .order_by().values_list("condition_id").annotate(total=Sum("places"))
    ) if conditions else {}
    return (
        [(c, c.places_per_year - (used.get(c.pk) or 0)) for c in conditions],
        list(offers) if call.mobility_type == "student_internship" else [],
    )


def mobility_agreements_visible_to(*, actor: Actor) -> QuerySet[MobilityAgreement]:
    """The learner's own, the sending side's outgoing and the host's incoming agreements."""
    from .models import MobilityAgreement

    access = access_for(actor)
    qs = MobilityAgreement.objects.select_related("nomination__application__applicant", "nomination__application__call__owner", "nomination__host")
    if access.is_admin:
        return qs
    return qs.filter(
        Q(nomination__application__applicant=actor)
        | Q(nomination__application__call__owner_id__in=access.manages)
        | Q(nomination__host_id__in=access.institutions_with({Role.COORDINATOR, Role.COMPANY_SUPERVISOR}))
    )


def mobility_agreement_get(*, actor: Actor, pk: int) -> MobilityAgreement | None:
    return mobility_agreements_visible_to(actor=actor).prefetch_related("components__outcomes", "signatures__signed_by", "versions", "proposals", "logbook", "evaluations", "transcript__component").filter(pk=pk).first()


def learners_behind_target(*, actor: Actor, today: dt.date | None = None) -> list:
    """Outgoing learners of the actor's institutions whose logged hours fall under 80 % of the plan."""
    from .during import hours_summary
    from .models import MobilityAgreementState

    access = access_for(actor)
    qs = mobility_agreements_visible_to(actor=actor).filter(state=MobilityAgreementState.SIGNED).prefetch_related("logbook")
    if not access.is_admin:
        qs = qs.filter(nomination__application__call__owner_id__in=access.manages)
    flagged = []
    for agreement in qs:
        summary = hours_summary(agreement, today)
        if summary["behind"]:
            flagged.append((agreement, summary))
    return flagged


# Reads for analytics' nightly facts, whoever asks: analytics publishes only aggregates of these, under its
# disclosure rule. They live here so that analytics needs none of mobility's models.
FACTS_BATCH = 5000


def _with_needs(prefix: str) -> Q:
    """People who recorded accessibility needs and consented to their use (no consent, not counted)."""
    return Q(**{f"{prefix}accessibility_consent_at__isnull": False}) & ~Q(**{f"{prefix}accessibility_needs": ""})


def option_facets() -> dict[int, tuple[int, str, str]]:
    """Call option -> (host, ISCED-F field, EQF level); internship offers carry a field but no level."""
    return {
        pk: (host, cond_isced or offer_isced or "", eqf or "")
        for pk, host, cond_isced, eqf, offer_isced in CallOption.objects.values_list(
            "id", "host_id", "condition__isced_code", "condition__eqf_level", "offer__isced_code"
        ).iterator(chunk_size=FACTS_BATCH)
    }


def funnel_groups() -> dict[str, list[dict]]:
    """Per stage ("applied", "placed", "departed", "completed"): people and those with needs, grouped by
    (g_year, g_owner, g_kind, g_option), the option giving host, field and level."""
    first_choice = Choice.objects.filter(application=OuterRef("pk")).order_by("rank").values("option_id")[:1]
    applied = (
        Application.objects.filter(state="submitted")
        .annotate(first_option=Subquery(first_choice))
        .values(g_year=F("call__academic_year"), g_owner=F("call__owner_id"), g_kind=F("call__mobility_type"), g_option=F("first_option"))
        .annotate(people=Count("id"), with_needs=Count("id", filter=_with_needs("applicant__")))
    )
    later_round = PlacementRound.objects.filter(
        call=OuterRef("round__call"), state="published", number__gt=OuterRef("round__number")
    )
    placed = (
        PlacementOutcome.objects.filter(round__state="published", option__isnull=False)
        .exclude(Exists(later_round))
        .values(g_year=F("round__call__academic_year"), g_owner=F("round__call__owner_id"), g_kind=F("round__call__mobility_type"), g_option=F("option_id"))
        .annotate(people=Count("application_id", distinct=True), with_needs=Count("application_id", distinct=True, filter=_with_needs("application__applicant__")))
    )
    signed = MobilityAgreement.objects.filter(state="signed")
    # IN (subquery), not EXISTS: under OR, PostgreSQL hashes an IN list once but runs EXISTS once per row.
    completed = signed.filter(
        Q(pk__in=TranscriptEntry.objects.values("agreement_id"))
        | Q(pk__in=LogbookEntry.objects.filter(state="verified").values("agreement_id"))
    )
    prefix = "nomination__application__"

    def by_option(qs: QuerySet[MobilityAgreement]) -> QuerySet:
        return qs.values(
            g_year=F(f"{prefix}call__academic_year"), g_owner=F(f"{prefix}call__owner_id"), g_kind=F(f"{prefix}call__mobility_type"), g_option=F("nomination__option_id")
        ).annotate(people=Count("id"), with_needs=Count("id", filter=_with_needs(f"{prefix}applicant__")))

    return {"applied": list(applied), "placed": list(placed), "departed": list(by_option(signed)), "completed": list(by_option(completed))}


def places_offered_and_nominated() -> tuple[dict[tuple[int, int], tuple[int, int]], dict[tuple[int, int], int]]:
    """Per (cooperation condition, academic year): places and reserved places offered in calls, and the
    nominations that are not declined."""
    offered = {
        (row["condition_id"], row["call__academic_year"]): (row["places"] or 0, row["reserved"] or 0)
        for row in CallOption.objects.filter(condition__isnull=False)
        .values("condition_id", "call__academic_year")
        .annotate(places=Sum("places"), reserved=Sum("reserved_inclusion"))
    }
    nominated = {
        (row["option__condition_id"], row["application__call__academic_year"]): row["n"]
        for row in Nomination.objects.filter(option__condition__isnull=False)
        .exclude(state="declined")
        .values("option__condition_id", "application__call__academic_year")
        .annotate(n=Count("id"))
    }
    return offered, nominated


# What waits for whom (the home page's inbox, "my learning agreements", reminders): the reads live in
# worklist.py; these are the names other apps call.
def inbox_items(*, actor: Actor) -> list:
    from .worklist import inbox_items as items

    return items(actor=actor)


def reminder_items(*, now: dt.datetime, horizon: dt.timedelta) -> list:
    from .worklist import reminder_items as items

    return items(now=now, horizon=horizon)
