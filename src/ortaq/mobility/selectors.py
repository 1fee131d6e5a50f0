"""Reads for mobility, scoped by role: the sending side sees its outgoing people, a host only its nominees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role

from .models import (
    AgreementKind, Application, ApplicationState, Call, CallOption, CallState, Choice, InternshipOffer, LogbookEntry, MobilityAgreement, Nomination, NominationState,
    OfferState, PlacementOutcome, PlacementRound, RemoteMobilityAgreement, RemoteNomination, TranscriptEntry,
)

if TYPE_CHECKING:
    import datetime as dt

    from .models import ApplicationDocument, PlacementDocument
    from collections.abc import Iterable
    from ortaq.accounts.types import Actor, User
    from ortaq.agreements.types import CooperationCondition


def offers_visible_to(*, actor: Actor) -> QuerySet[InternshipOffer]:
    access = access_for(actor)
    qs = InternshipOffer.objects.select_related("host")
    if access.is_admin:
        return qs
    return qs.filter(Q(state=OfferState.PUBLISHED) | Q(host_id__in=access.staff_of))


def calls_visible_to(*, actor: Actor) -> QuerySet[Call]:
    return _visible_calls(actor).annotate(option_count=Count("options", distinct=True))


def _visible_calls(actor: Actor) -> QuerySet[Call]:
    access = access_for(actor)
    qs = Call.objects.select_related("owner").order_by("-deadline", "-id")
    if access.sees_everything:
        return qs if access.is_admin else qs.exclude(state=CallState.DRAFT)
    hosting = CallOption.objects.filter(host_id__in=access.staff_of).values("call_id")
    return qs.filter(
        Q(owner_id__in=access.staff_of)
        | (Q(owner_id__in=access.member_of) & ~Q(state=CallState.DRAFT))
        | (Q(pk__in=hosting) & ~Q(state=CallState.DRAFT))
    )


def call_get(*, actor: Actor, pk: int) -> Call | None:
    # without the list's option count: the page counts its options itself, a page at a time
    return _visible_calls(actor).filter(pk=pk).first()


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


def own_application(*, actor: User, call: Call, with_form: bool = True) -> Application | None:
    """The actor's application; `with_form`: with her choices and documents, which only the form shows."""
    qs = Application.objects.filter(call=call, applicant=actor)
    if with_form:
        qs = qs.prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related("option__host", "option__offer")), "documents")
    return qs.first()


def latest_round(call: Call, *, published_only: bool = False) -> PlacementRound | None:
    qs = call.rounds.all()
    if published_only:
        qs = qs.filter(state="published")
    return qs.order_by("-number").first()


def rounds_of(call: Call) -> QuerySet[PlacementRound]:
    """A call's rounds for a list: without their cutoffs and stats (megabytes of JSON for a national round)."""
    return call.rounds.only("id", "call_id", "number", "state", "stats")


def outcome_of(*, application: Application) -> PlacementOutcome | None:
    """The applicant's result in the latest published round (never a dry run)."""
    return (
        # Not select_related("round"): a national round's cutoffs are megabytes of JSON the result page never shows.
        PlacementOutcome.objects.filter(application=application, round__state="published")
        # her nomination and its agreement come along: the result names the host's answer and links the agreement
        .select_related("option__host", "nomination__mobility_agreement")
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


def remote_nominations_for_host(*, actor: Actor) -> QuerySet[RemoteNomination]:
    """Nominations made on other nodes to the actor's institutions (remote_services.py), beside the local ones."""
    access = access_for(actor)
    qs = RemoteNomination.objects.select_related("host", "sending", "mobility_agreement")
    if access.is_admin:
        return qs
    return qs.filter(host_id__in=access.institutions_with({Role.COORDINATOR, Role.COMPANY_SUPERVISOR}))


def remote_nomination_for_host(*, actor: Actor, pk: int) -> RemoteNomination | None:
    return remote_nominations_for_host(actor=actor).filter(pk=pk).first()


def remote_agreements_for_host(*, actor: Actor) -> QuerySet[RemoteMobilityAgreement]:
    """The host's copies of agreements drafted on other nodes (remote_agreement_services.py), for the host's staff only."""
    access = access_for(actor)
    qs = RemoteMobilityAgreement.objects.select_related("nomination__host", "nomination__sending", "signed_by")
    if not access.is_admin:
        qs = qs.filter(nomination__host_id__in=access.institutions_with({Role.COORDINATOR, Role.COMPANY_SUPERVISOR}))
    return qs


def remote_agreement_for_host(*, actor: Actor, pk: int) -> RemoteMobilityAgreement | None:
    return remote_agreements_for_host(actor=actor).filter(pk=pk).first()


def remote_agreement_page(*, actor: Actor, row: RemoteMobilityAgreement) -> dict:
    """What the host's page of an agreement from another node shows: the content as signed (components, period,
    version, SHA-256), each party's signature of this version as the home node recorded it, and whether the reader signs."""
    from .models import Party
    from .remote_agreement_services import may_sign
    from .remote_services import HOST_ROLES

    signed = set(row.signed_parties)
    content = row.content if isinstance(row.content, dict) else {}
    return {"agreement": row, "nomination": row.nomination, "content": content,
            "components": [c for c in content.get("components", []) if isinstance(c, dict)],
            "kind": str(dict(AgreementKind.choices).get(str(content.get("kind", "")), content.get("kind", ""))),
            "signatures": [(label, value in signed or (value == Party.RECEIVING and row.signed_version == row.version)) for value, label in Party.choices],
            "may_sign": may_sign(actor, row), "receiving_label": Party.RECEIVING.label,
            # The logbook kept on the home node, once signed by all: the host's staff verify or return each week here.
            "logbook": list(row.logbook.select_related("verified_by")),
            "may_verify": row.state == "signed" and access_for(actor).has_role(row.nomination.host_id, *HOST_ROLES),
            **_remote_results_page(actor, row), **_remote_changes_page(actor, row)}


def _remote_changes_page(actor: Actor, row: RemoteMobilityAgreement) -> dict:
    """The changes the host proposed here (remote_change_services.py), each with the home's decision, and the form's
    rows for a new one: the current components, then two empty rows."""
    from .models import ReasonCode
    from .remote_change_services import content_outcome_ids, may_propose

    content = row.content if isinstance(row.content, dict) else {}
    current = [c for c in content.get("components", []) if isinstance(c, dict)]
    blank = {"code": "", "title": "", "credits": "", "hours": "", "recognition": "", "outcomes": []}
    return {"change_proposals": list(row.change_proposals.select_related("proposed_by")), "may_propose": may_propose(actor, row),
            "reasons": ReasonCode.choices, "change_rows": [blank | c for c in current] + [blank, blank],
            "change_outcomes": sorted(content_outcome_ids(row))}


def _remote_results_page(actor: Actor, row: RemoteMobilityAgreement) -> dict:
    """The host's evaluation and transcript of records of the copy (remote_transcript_services.py): each component with
    its grade, each learning outcome with its text in the reader's language and its rating, and who may do what."""
    from django.utils.translation import get_language

    from . import grades
    from .models import Rating
    from .remote_services import HOST_ROLES
    from .remote_transcript_services import may_send_transcript, missing_grades, outcome_ids

    results = row.results if isinstance(row.results, dict) else {}
    graded, rated = results.get("components") or {}, results.get("outcomes") or {}
    texts = row.outcome_texts if isinstance(row.outcome_texts, dict) else {}
    language = (get_language() or "en")[:2]
    content = row.content if isinstance(row.content, dict) else {}
    components = [c for c in content.get("components", []) if isinstance(c, dict)]
    labels = dict(Rating.choices)
    return {
        # The components as the content names them, each outcome with its text (sent beside the content) when known.
        "components": [{**c, "outcome_items": [(o, _text_in(texts.get(str(o)) or {}, language)) for o in c.get("outcomes") or []]} for c in components],
        "result_rows": [{"index": index, "code": c.get("code", ""), "title": c.get("title", ""), "credits": c.get("credits", ""),
                         "result": graded.get(str(index)), "scale_label": grades.SCALE_LABELS.get((graded.get(str(index)) or {}).get("scale", ""), "")}
                        for index, c in enumerate(components)],
        "outcome_rows": [{"id": pk, "text": _text_in(texts.get(str(pk)) or {}, language),
                          "rating": (rated.get(str(pk)) or {}).get("rating", ""),
                          "rating_label": labels.get((rated.get(str(pk)) or {}).get("rating", ""), ""),
                          "comment": (rated.get(str(pk)) or {}).get("comment", "")} for pk in outcome_ids(row)],
        "scales": [(code, grades.SCALE_LABELS[code]) for code in grades.SCALES], "ratings": Rating.choices,
        "may_record": row.state == "signed" and row.transcript_sent_at is None and access_for(actor).has_role(row.nomination.host_id, *HOST_ROLES),
        "may_send_transcript": may_send_transcript(actor, row), "missing_grades": missing_grades(row),
    }


def _text_in(texts: dict, language: str) -> str:
    """A text in the reader's language, else in another of the four (the outcome's author may have written one only)."""
    return texts.get(language) or next((texts[lang] for lang in ("en", "ru", "kk", "zh") if texts.get(lang)), "")


OFFERS_TO_ADD = 50


def options_for_call(call: Call, *, offer_query: str = "") -> tuple[list[tuple[CooperationCondition, int]], list[InternshipOffer]]:
    """Cooperation conditions and offers a coordinator may draw places from, with the places left this year.
    Offers: the platform may publish thousands, so the newest OFFERS_TO_ADD not yet in the call, or those
    matching `offer_query` (title or host)."""
    from ortaq.agreements.selectors import condition_rows
    from ortaq.agreements.types import AgreementState

    conditions = list(condition_rows().filter(
        sending_id=call.owner_id, mobility_type=call.mobility_type, start_year__lte=call.academic_year, end_year__gte=call.academic_year,
        agreement__state__in=[AgreementState.APPROVED, AgreementState.IN_EFFECT],
    ).select_related("receiving", "agreement"))
    offers = InternshipOffer.objects.filter(state=OfferState.PUBLISHED).exclude(call_options__call=call).select_related("host").order_by("-id")
    if offer_query:
        offers = offers.filter(Q(title__icontains=offer_query) | Q(host__name_latin__icontains=offer_query) | Q(host__name_original__icontains=offer_query))
    # What `services.places_used` counts, for every condition in one query instead of one query each.
    used = dict(
        CallOption.objects.filter(condition__in=conditions, call__academic_year=call.academic_year)
        .order_by().values_list("condition_id").annotate(total=Sum("places"))
    ) if conditions else {}
    return (
        [(c, c.places_per_year - (used.get(c.pk) or 0)) for c in conditions],
        list(offers[:OFFERS_TO_ADD]) if call.mobility_type == "student_internship" else [],
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
        .exclude(state__in=["declined", "withdrawn"])
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


# The coordinator's call and round pages (issue 13: their cost must not grow with the call). Every list is
# read a page at a time; counts come from SQL aggregates or from the round's stored results (stats and
# cutoffs), never from walking rows; names are looked up once per page for the institutions it shows.

APPLICATION_FILTERS = ("submitted", "withdrawn", "placed", "not_placed", "pending", "accepted", "declined")


def _latest_published(rounds: Iterable[PlacementRound]) -> PlacementRound | None:
    published = [r for r in rounds if r.state == "published"]
    return max(published, key=lambda r: r.number) if published else None


def application_facets(*, call: Call, rounds: Iterable[PlacementRound]) -> dict[str, int]:
    """How many of the call's applications are in each state a coordinator filters by: two small GROUP BY
    queries and the latest published round's stored stats (`rounds`: the call's rounds, from `rounds_of`)."""
    by_state = dict(Application.objects.filter(call=call).exclude(state=ApplicationState.DRAFT)
                    .order_by().values_list("state").annotate(n=Count("id")))
    facets = {"submitted": by_state.get(ApplicationState.SUBMITTED, 0), "withdrawn": by_state.get(ApplicationState.WITHDRAWN, 0)}
    latest = _latest_published(rounds)
    if latest is not None:
        stats = latest.stats or {}
        facets["placed"] = stats.get("placed", 0)
        facets["not_placed"] = max(0, stats.get("applicants", 0) - facets["placed"])
        by_decision = dict(Nomination.objects.filter(application__call=call).order_by().values_list("state").annotate(n=Count("id")))
        facets |= {state: by_decision.get(state, 0) for state in ("pending", "accepted", "declined")}
    return facets


def call_applications(*, actor: Actor, call: Call, status: str = "", option_id: int | None = None, name: str = "",
                      rounds: Iterable[PlacementRound] = ()) -> QuerySet[Application]:
    """The call's applications for its coordinators, filtered by status, by an option chosen, or by the
    applicant's name; rows carry only what the list shows (choices and results are read per page)."""
    qs = applications_for_coordinator(actor=actor, call=call).prefetch_related(None).select_related("applicant")
    if status in ("submitted", "withdrawn"):
        qs = qs.filter(state=status)
    elif status in ("placed", "not_placed"):
        latest = _latest_published(rounds)
        if latest is None:
            return qs.none()
        placed = PlacementOutcome.objects.filter(round=latest, application=OuterRef("pk"), option__isnull=False)
        in_round = PlacementOutcome.objects.filter(round=latest, application=OuterRef("pk"))
        qs = qs.filter(Exists(placed)) if status == "placed" else qs.filter(Exists(in_round)).exclude(Exists(placed))
    elif status in ("pending", "accepted", "declined"):
        qs = qs.filter(Exists(Nomination.objects.filter(application=OuterRef("pk"), state=status)))
    if option_id is not None:
        qs = qs.filter(Exists(Choice.objects.filter(application=OuterRef("pk"), option_id=option_id)))
    if name:
        qs = qs.filter(Q(applicant__full_name__icontains=name) | Q(applicant__full_name_latin__icontains=name) | Q(receipt__iexact=name))
    return qs


def _choices_with_host_names(choices: QuerySet[Choice]) -> list[tuple[int, int, int, str]]:
    """(application id, rank, option id, host name in the reader's language) per choice, from plain values."""
    from types import SimpleNamespace

    from ortaq.i18n import LANG_SUFFIXES, localized

    columns = [f"name_{suffix}" for suffix in LANG_SUFFIXES]
    names: dict[tuple, str] = {}
    rows = []
    for application_id, rank, option_id, original, *localised in choices.values_list(
            "application_id", "rank", "option_id", "option__host__name_original", *[f"option__host__{c}" for c in columns]):
        key = (original, *localised)
        if key not in names:
            names[key] = localized(SimpleNamespace(**dict(zip(columns, localised, strict=True))), "name") or original
        rows.append((application_id, rank, option_id, names[key]))
    return rows


def option_host_names(option_ids: Iterable[int]) -> dict[int, str]:
    """Option id -> its host's name in the reader's language (as Institution.display_name), in one query of
    plain values: a page names up to a few hundred options, and model rows for them cost more than the page."""
    from types import SimpleNamespace

    from ortaq.i18n import LANG_SUFFIXES, localized

    ids = {int(i) for i in option_ids}
    if not ids:
        return {}
    columns = [f"name_{suffix}" for suffix in LANG_SUFFIXES]
    names: dict[tuple, str] = {}
    out = {}
    for pk, original, *localised in CallOption.objects.filter(pk__in=ids).values_list("id", "host__name_original", *[f"host__{c}" for c in columns]):
        key = (original, *localised)
        if key not in names:
            names[key] = localized(SimpleNamespace(**dict(zip(columns, localised, strict=True))), "name") or original
        out[pk] = names[key]
    return out


def applications_page_details(applications: list[Application], *, rounds: Iterable[PlacementRound] = ()) -> dict[int, dict]:
    """For one page of applications: each one's choices (rank, host name) and result in the latest published
    round (placed option, the host's answer) -- a fixed number of queries whatever the page holds."""
    ids = [a.pk for a in applications]
    details: dict[int, dict] = {pk: {"choices": [], "in_round": False, "placed_option": None, "placed": None, "nomination": None, "agreement": None}
                                for pk in ids}
    if not ids:
        return details
    # the hosts' names come with the choices (a placement is always one of her choices): no query per option or host
    choices = _choices_with_host_names(Choice.objects.filter(application_id__in=ids).order_by("application_id", "rank"))
    latest = _latest_published(rounds)
    outcomes = dict(PlacementOutcome.objects.filter(round=latest, application_id__in=ids).values_list("application_id", "option_id")) if latest else {}
    # the latest nomination of each (an earlier one lapses when a later round moves her up)
    nominations = {a: (s, agreement) for a, s, agreement in Nomination.objects.filter(application_id__in=ids).order_by("id")
                   .values_list("application_id", "state", "mobility_agreement__state")} if latest else {}
    names = {option_id: name for _a, _r, option_id, name in choices}
    for application_id, rank, _option_id, name in choices:
        details[application_id]["choices"].append((rank, name))
    for application_id, option_id in outcomes.items():
        details[application_id] |= {"in_round": True, "placed_option": option_id, "placed": names.get(option_id) if option_id else None}
    for application_id, (state, agreement) in nominations.items():
        details[application_id] |= {"nomination": state, "agreement": agreement}
    return details


def application_status(*, application: Application | None, outcome: PlacementOutcome | None = None, placed: bool | None = None,
                       nomination: str | None = None, agreement: str | None = None) -> tuple[str, str]:
    """Where an application really stands, as (code, label): its own state until a round is published, then
    the placement, the host's answer and the agreement (the stored state stays "submitted" throughout)."""
    from django.utils.translation import gettext as _

    from .models import MobilityAgreementState

    if application is None:
        return "none", _("Not applied")
    if application.state != ApplicationState.SUBMITTED:
        return application.state, application.get_state_display()
    if agreement == MobilityAgreementState.SIGNED:
        return "agreement_signed", _("Agreement signed")
    if agreement:
        return "agreement", _("Agreement in preparation")
    if nomination == NominationState.ACCEPTED:
        return "accepted", _("Accepted by the host")
    if nomination == NominationState.DECLINED:
        return "declined", _("Declined by the host")
    if placed is None and outcome is not None:
        placed = outcome.option_id is not None
    if placed:
        return "placed", _("Placed, awaiting the host's answer")
    if placed is False:
        return "not_placed", _("Not placed")
    return "submitted", application.get_state_display()


def round_for_page(*, actor: Actor, pk: int) -> PlacementRound | None:
    """A round for its page, without its cutoffs (a national round's are megabytes; the page reads one page of them)."""
    placement_round = PlacementRound.objects.select_related("call__owner").defer("cutoffs").filter(pk=pk).first()
    if placement_round is None or not manages_call(actor=actor, call=placement_round.call):
        return None
    return placement_round


def round_cutoffs(placement_round: PlacementRound, option_ids: Iterable[int]) -> dict[int, dict]:
    """The stored cutoffs of these options only, picked out inside the database: the JSON is read once and only
    the requested members leave it (one `->` per option would detoast a national round's megabytes each time)."""
    import json

    from django.db import connection

    ids = sorted({int(i) for i in option_ids})
    if not ids:
        return {}
    table, keys = PlacementRound._meta.db_table, [str(i) for i in ids]
    if connection.vendor == "postgresql":
        sql = f"SELECT e.key, e.value::text FROM {table} r, jsonb_each(r.cutoffs) e WHERE r.id = %s AND e.key = ANY(%s)"
        params: list = [placement_round.pk, keys]
    else:
        sql = (f"SELECT e.key, e.value FROM {table} r, json_each(r.cutoffs) e WHERE r.id = %s "
               f"AND e.key IN ({', '.join(['%s'] * len(keys))})")
        params = [placement_round.pk, *keys]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {int(key): json.loads(value) if isinstance(value, str) else value for key, value in cursor.fetchall()}
    return {i: found.get(i) or {} for i in ids}


def round_options(*, placement_round: PlacementRound, query: str = "") -> QuerySet[CallOption]:
    """The round's call's options for its fill-rate table, searchable by host or offer."""
    qs = placement_round.call.options.select_related("host", "offer").order_by("id")
    if query:
        qs = qs.filter(Q(host__name_latin__icontains=query) | Q(host__name_original__icontains=query) | Q(offer__title__icontains=query))
    return qs


def call_options(*, call: Call, query: str = "") -> QuerySet[CallOption]:
    """A call's options for its page, with what their rows show, searchable by host or offer."""
    qs = call.options.select_related("host", "condition__agreement", "offer").order_by("id")
    if query:
        qs = qs.filter(Q(host__name_latin__icontains=query) | Q(host__name_original__icontains=query) | Q(offer__title__icontains=query))
    return qs


def fill_rate_rows(placement_round: PlacementRound, options: list[CallOption]) -> list[dict]:
    """Placed, places and cutoff for one page of options, from the round's stored cutoffs (each block's
    `filled` is the number placed there), so no outcome is counted."""
    cutoffs = round_cutoffs(placement_round, [o.pk for o in options])
    rows = []
    for option in options:
        cutoff = cutoffs.get(option.pk, {})
        placed = sum(block.get("filled", 0) for block in cutoff.values() if isinstance(block, dict))
        rows.append({"option": option, "placed": placed, "places": option.places, "cutoff": cutoff,
                     "rate": round(100 * placed / option.places) if option.places else 0})
    return rows


def round_outcome_rows(*, actor: Actor, placement_round: PlacementRound, placed: str = "", option_id: int | None = None,
                       name: str = "") -> QuerySet[PlacementOutcome]:
    """The round's outcomes for its page: placed or not, placed at one option, or by the applicant's name."""
    qs = round_outcomes(actor=actor, placement_round=placement_round).select_related(None).select_related("application__applicant")
    if placed == "yes":
        qs = qs.filter(option__isnull=False)
    elif placed == "no":
        qs = qs.filter(option__isnull=True)
    if option_id is not None:
        qs = qs.filter(option_id=option_id)
    if name:
        qs = qs.filter(Q(application__applicant__full_name__icontains=name) | Q(application__applicant__full_name_latin__icontains=name))
    return qs


def _period(call_year: int, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    import datetime as dt

    if start and end:
        return start, end
    return dt.date(call_year, 9, 1), dt.date(call_year + 1, 8, 31)  # a condition's places: the call's academic year


def placement_conflicts(*, placement_round: PlacementRound | None = None, applicant: User | None = None) -> list[dict]:
    """People placed in this round (or this applicant) who also hold a placement in another call whose period
    overlaps: [{"applicant", "here": (call, host, start, end), "there": (...)}]. A warning, not a rule: the
    coordinator or the student decides. Two queries, and a third only when there is a conflict."""
    if placement_round is None and applicant is None:
        return []
    held = Nomination.objects.exclude(state__in=[NominationState.DECLINED, NominationState.WITHDRAWN])  # a withdrawn seat is not held
    if placement_round is not None:
        placed_people = placement_round.outcomes.filter(option__isnull=False).values("application__applicant_id")
        others = held.filter(application__applicant_id__in=placed_people).exclude(application__call_id=placement_round.call_id)
    else:
        others = held.filter(application__applicant=applicant)
    there = list(others.values_list("application__applicant_id", "application__call_id", "application__call__title", "application__call__academic_year",
                                    "host_id", "option__offer__start_date", "option__offer__end_date"))
    if not there:
        return []
    if placement_round is not None:
        mine = placement_round.outcomes.filter(option__isnull=False, application__applicant_id__in={t[0] for t in there})
    else:
        mine = PlacementOutcome.objects.filter(application__applicant=applicant, round__state="published", option__isnull=False)
    here = list(mine.values_list("application__applicant_id", "application__call_id", "application__call__title", "application__call__academic_year",
                                 "option__host_id", "option__offer__start_date", "option__offer__end_date", "round_id"))
    if placement_round is None:  # the applicant: only her latest published round of each call counts
        latest: dict[int, int] = {}
        for row in here:
            latest[row[1]] = max(latest.get(row[1], 0), row[7])
        here = [row for row in here if row[7] == latest[row[1]]]
    from django.contrib.auth import get_user_model

    from ortaq.institutions.selectors import institutions_by_id

    conflicts: list[dict[str, Any]] = []
    for person, call_id, title, year, host, start, end, _round in here:
        a = _period(year, start, end)
        for person2, call2, title2, year2, host2, start2, end2 in there:
            b = _period(year2, start2, end2)
            if person2 == person and call2 != call_id and a[0] <= b[1] and b[0] <= a[1]:
                conflicts.append({"applicant": person, "here": (title, host, *a), "there": (title2, host2, *b), "there_call": call2})
    if not conflicts:
        return []
    hosts = institutions_by_id({c["here"][1] for c in conflicts} | {c["there"][1] for c in conflicts})
    people = get_user_model().objects.in_bulk({c["applicant"] for c in conflicts})
    unique = {(c["applicant"], c["here"][0], c["there_call"]): c for c in conflicts}
    return [{**c, "applicant": people.get(c["applicant"]), "here_host": hosts.get(c["here"][1]), "there_host": hosts.get(c["there"][1])}
            for c in unique.values()]


# A placement after publication (issue 15): the applicant's answer, her document checklist and, for the host, the
# nominee's file. Seen by the learner, the sending coordinators and the host's staff of that nomination only.

def placement_get(*, actor: Actor, pk: int) -> Nomination | None:
    """A nomination for its placement page, or None (a 404) for anyone but its learner, a coordinator of the
    sending institution, the host's coordinators and company supervisors, and platform administrators."""
    access = access_for(actor)
    qs = Nomination.objects.select_related("application__applicant", "application__call__owner", "option__offer", "host")
    if not access.is_admin:
        rule = Q(application__applicant_id=access.user_id) if access.user_id else Q(pk__in=[])
        if access.manages:
            rule |= Q(application__call__owner_id__in=access.manages)
        hosts = access.institutions_with({Role.COORDINATOR, Role.COMPANY_SUPERVISOR})
        if hosts:
            rule |= Q(host_id__in=hosts)
        qs = qs.filter(rule)
    return qs.filter(pk=pk).first()


def placement_sides(*, actor: Actor, nomination: Nomination) -> set[str]:
    """What the reader is to this placement: "learner", "sending" (checks documents), "host" (decides the nomination)."""
    access = access_for(actor)
    sides = set()
    if nomination.application.applicant_id == access.user_id:
        sides.add("learner")
    if access.is_admin or nomination.application.call.owner_id in access.manages:
        sides.add("sending")
    if access.is_admin or access.has_role(nomination.host_id, Role.COORDINATOR, Role.COMPANY_SUPERVISOR):
        sides.add("host")
    return sides


def placement_answer_state(nomination: Nomination, *, now: dt.datetime | None = None) -> str:
    """The applicant's answer as it stands: a pending answer past its deadline reads as lapsed even before the
    job (or the next round) records it."""
    from django.utils import timezone

    from .models import PlacementAnswer

    now = now or timezone.now()
    if nomination.answer == PlacementAnswer.PENDING and nomination.answer_by is not None and nomination.answer_by <= now:
        return PlacementAnswer.LAPSED
    return nomination.answer


def placement_checklist(nomination: Nomination) -> list[dict]:
    """Each document of the checklist, in its order, with what was provided (None: not yet)."""
    from .models import DocumentKind, PlacementDocument

    provided = {d.kind: d for d in PlacementDocument.objects.filter(nomination=nomination).select_related("checked_by")}
    return [{"kind": kind, "label": label, "document": provided.get(kind)} for kind, label in DocumentKind.choices]


def placement_document(*, nomination: Nomination, kind: str) -> PlacementDocument | None:
    from .models import PlacementDocument

    return PlacementDocument.objects.filter(nomination=nomination, kind=kind).exclude(file="").first()


def nominee_file(nomination: Nomination) -> dict:
    """What the host reads before deciding: her motivation, her language certificates and the documents of her
    application (the evidence she uploaded)."""
    from ortaq.accounts.selectors import language_certificates_of

    application = nomination.application
    return {"motivation": application.motivation, "programme": application.programme, "year_of_study": application.year_of_study,
            "grade": application.grade, "certificates": list(language_certificates_of(person=application.applicant)),
            "documents": list(application.documents.order_by("id"))}


def application_document(*, nomination: Nomination, pk: int) -> ApplicationDocument | None:
    return nomination.application.documents.filter(pk=pk).first()


def offer_for_option(pk: int) -> InternshipOffer | None:
    """An internship offer a call names as the source of places, or None (the service refuses one not published,
    after checking who asks, as the web form's source does)."""
    return InternshipOffer.objects.filter(pk=pk).select_related("host").first()


def placements_of(*, actor: Actor) -> QuerySet[Nomination]:
    """The reader's own placements: the nominations of her applications, once their round is published."""
    from .models import Nomination

    user_id = access_for(actor).user_id
    return (Nomination.objects.filter(application__applicant_id=user_id, outcome__round__published_at__isnull=False)
            .select_related("application", "mobility_agreement").order_by("-id") if user_id else Nomination.objects.none())
