"""What waits for whom in mobility: the inbox of the home page, the "my learning agreements" page and the
deadlines reminders are sent for. Reads only; other apps reach them through `selectors` (inbox_items,
reminder_items)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.i18n import shown
from ortaq.lib.inbox import Action, InboxItem, earliest

from .models import (
    Application, ApplicationState, Call, CallState, ChangeProposal, Component, EntryState, LogbookEntry, MobilityAgreement,
    DocumentState, MobilityAgreementState, Nomination, NominationState, OutcomeEvaluation, Party, PlacementAnswer, PlacementDocument,
    PlacementRound, ProposalState, RemoteLogbookEntry, RemoteNomination, RoundState, Signature, TranscriptEntry,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ortaq.accounts.types import Actor

HOST_ROLES = frozenset({Role.COORDINATOR, Role.COMPANY_SUPERVISOR})
REMOTE_SHOWN = 20  # nominations from other nodes read for the inbox line (its count covers them all)
# A finished mobility stays on the list this long after its end (results and evaluations come after it).
RECENT = dt.timedelta(days=120)
# The host is asked to evaluate the learning outcomes from this long before the mobility ends.
EVALUATE_BEFORE_END = dt.timedelta(days=14)


def _count(qs: QuerySet) -> Coalesce:
    """A per-agreement count as a subquery (several counts joined in one query would multiply each other)."""
    return Coalesce(Subquery(qs.order_by().values("agreement_id").annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
                    Value(0))


def agreements_of_party(*, actor: Actor, today: dt.date | None = None) -> QuerySet[MobilityAgreement]:
    """Agreements where the actor is a party through their own roles (platform administrators see every
    agreement elsewhere, but are a party to none): the learner, a coordinator of the sending institution, a
    coordinator or company supervisor of the host. Unfinished ones, and those that ended recently; each
    with what its next steps need, in two queries."""
    access = access_for(actor)
    if access.user_id is None:
        return MobilityAgreement.objects.none()
    today = today or timezone.localdate()
    rule = Q(nomination__application__applicant_id=access.user_id)
    if access.manages:
        rule |= Q(nomination__application__call__owner_id__in=access.manages)
    hosts = access.institutions_with(HOST_ROLES)
    if hosts:
        rule |= Q(nomination__host_id__in=hosts)
    entries = LogbookEntry.objects.filter(agreement=OuterRef("pk"))
    return (
        MobilityAgreement.objects.filter(rule)
        .filter(~Q(state=MobilityAgreementState.SIGNED) | Q(end_date__gte=today - RECENT))
        .select_related("nomination__application__applicant", "nomination__application__call__owner", "nomination__host")
        .prefetch_related(Prefetch("signatures", queryset=Signature.objects.only("agreement_id", "version", "party")))
        .annotate(
            n_submitted=_count(entries.filter(state=EntryState.SUBMITTED)),
            n_kept=_count(entries.exclude(state=EntryState.REJECTED)),
            n_returned=_count(entries.filter(state=EntryState.REJECTED)),
            n_proposals=_count(ChangeProposal.objects.filter(agreement=OuterRef("pk"), state=ProposalState.PENDING)
                               .exclude(proposed_by_id=access.user_id)),
            n_outcomes=Coalesce(Subquery(
                Component.outcomes.through.objects.filter(component__agreement=OuterRef("pk")).order_by()
                # The stubs cannot see `n` on the through model's annotated values (it exists: it is annotated here).
                .values("component__agreement").annotate(n=Count("learningoutcome_id", distinct=True)).values("n")[:1],  # type: ignore[misc]
                output_field=IntegerField()), Value(0)),
            n_evaluated=_count(OutcomeEvaluation.objects.filter(agreement=OuterRef("pk"))),
            has_results=Exists(TranscriptEntry.objects.filter(agreement=OuterRef("pk"))),
            # Recognition's dossier points at the agreement; read through the relation, not recognition's models.
            dossier_id=F("recognition_dossier__id"),
        )
        .order_by("start_date", "id")
    )


def parties_held(actor: Actor, agreement: MobilityAgreement) -> set[str]:
    """The parties the actor signs and acts for through their own roles (no administrator's reach)."""
    access = access_for(actor)
    application = agreement.nomination.application
    held: set[str] = set()
    if application.applicant_id == access.user_id:
        held.add(Party.LEARNER)
    if application.call.owner_id in access.manages:
        held.add(Party.SENDING)
    if access.has_role(agreement.nomination.host_id, *HOST_ROLES):
        held.add(Party.RECEIVING)
    return held


def weeks_due(agreement: MobilityAgreement, today: dt.date) -> int:
    """Whole weeks of the mobility that have passed by `today` (the learner logs each one)."""
    end = min(today, agreement.end_date)
    return max(0, ((end - agreement.start_date).days + 1) // 7) if end >= agreement.start_date else 0


@dataclass
class Step:
    action: Action
    text: str
    count: int = 1
    deadline: dt.date | None = None


@dataclass
class Row:
    """An agreement on the "my learning agreements" page: the parties the reader holds and their next steps."""

    agreement: MobilityAgreement
    held: set[str]
    steps: list[Step] = field(default_factory=list)
    waiting: str = ""  # when the reader has nothing to do: whom it waits for


def next_steps(actor: Actor, agreement: MobilityAgreement, *, today: dt.date | None = None) -> Row:
    """What the reader should do next on an agreement from `agreements_of_party` (its annotations)."""
    today = today or timezone.localdate()
    held = parties_held(actor, agreement)
    row = Row(agreement, held)
    counts: Any = agreement  # the same row, read for the counts agreements_of_party annotates (n_submitted, ...)
    signed = {s.party for s in agreement.signatures.all() if s.version == agreement.version}
    labels = dict(Party.choices)
    for party in (Party.LEARNER, Party.SENDING, Party.RECEIVING):
        if party in held and party not in signed:
            row.steps.append(Step(Action.SIGN, _("Sign as %(party)s") % {"party": labels[party]}, deadline=agreement.start_date))
    if counts.n_proposals and held & {Party.SENDING, Party.RECEIVING}:
        row.steps.append(Step(Action.DECIDE, ngettext("Decide on %(n)d proposed change", "Decide on %(n)d proposed changes",
                                                      counts.n_proposals) % {"n": counts.n_proposals}, counts.n_proposals))
    if agreement.state == MobilityAgreementState.SIGNED:
        if Party.RECEIVING in held and counts.n_submitted:
            row.steps.append(Step(Action.VERIFY, ngettext("Verify %(n)d logbook week", "Verify %(n)d logbook weeks",
                                                          counts.n_submitted) % {"n": counts.n_submitted}, counts.n_submitted))
        if (Party.RECEIVING in held and counts.n_evaluated < counts.n_outcomes
                and today >= agreement.end_date - EVALUATE_BEFORE_END):
            left = counts.n_outcomes - counts.n_evaluated
            row.steps.append(Step(Action.EVALUATE, ngettext("Evaluate %(n)d learning outcome", "Evaluate %(n)d learning outcomes", left) % {"n": left},
                                  left, deadline=agreement.end_date))
        missing = max(0, weeks_due(agreement, today) - counts.n_kept) + counts.n_returned
        if Party.LEARNER in held and missing:
            row.steps.append(Step(Action.FILL, ngettext("Fill in %(n)d logbook week", "Fill in %(n)d logbook weeks", missing) % {"n": missing},
                                  missing))
    if Party.SENDING in held and counts.has_results and counts.dossier_id is None:
        row.steps.append(Step(Action.PREPARE, _("Open the recognition of the results abroad")))
    if not row.steps:
        if agreement.state != MobilityAgreementState.SIGNED:
            row.waiting = _("Waiting for: %(parties)s") % {"parties": ", ".join(str(labels[p]) for p in Party.values if p not in signed)}
        elif today < agreement.start_date:
            row.waiting = _("Signed; the mobility has not started yet")
        elif today <= agreement.end_date:
            row.waiting = _("Under way; nothing waits for you")
        else:
            row.waiting = _("Finished")
    return row


def rows_of(*, actor: Actor, today: dt.date | None = None) -> list[Row]:
    today = today or timezone.localdate()
    return [next_steps(actor, agreement, today=today) for agreement in agreements_of_party(actor=actor, today=today)]


def _item(kind: str, action: Action, title: str, records: Sequence[tuple[int, str, Any]], *, url_one, url_many: str, count: int | None = None,
          ref: str) -> InboxItem:
    """One inbox line for several records [(pk, name, deadline)]: the record's page when there is one, else a list."""
    one = len(records) == 1
    pk, name, _deadline = records[0]
    return InboxItem(kind=kind, action=action, title=title, url=url_one(pk) if one else url_many, count=len(records) if count is None else count,
                     deadline=earliest(d for _p, _n, d in records), ref=f"{ref}:{pk}" if one else "", subject=name if one else "")


def inbox_items(*, actor: Actor, today: dt.date | None = None) -> list[InboxItem]:
    """Everything mobility asks of the actor, grouped by kind: agreements to sign, changes to decide, logbook
    weeks to verify or fill, outcomes to evaluate, nominations to decide, rounds to publish, calls to close,
    applications in draft and agreements to prepare. A fixed number of queries whatever the data."""
    access = access_for(actor)
    if access.user_id is None:
        return []
    now = timezone.now()
    today = today or timezone.localdate()
    mine = reverse("mobility:mine")
    items: list[InboxItem] = []

    def agreement_url(pk: int) -> str:
        return reverse("mobility:agreement", args=[pk])

    by_action: dict[Action, list[tuple[int, str, object, int]]] = {}
    for row in rows_of(actor=actor, today=today):
        agreement = row.agreement
        name = agreement.nomination.application.applicant.display_name
        for step in row.steps:
            by_action.setdefault(step.action, []).append((agreement.pk, name, step.deadline, step.count))
    titles = {
        Action.SIGN: ("mobility.sign", _("Learning and training agreements to sign")),
        Action.DECIDE: ("mobility.change", _("Proposed changes to agreements to decide")),
        Action.VERIFY: ("mobility.verify", _("Logbook weeks to verify")),
        Action.EVALUATE: ("mobility.evaluate", _("Learning outcomes to evaluate")),
        Action.FILL: ("mobility.logbook", _("Logbook weeks to fill in")),
        Action.PREPARE: ("mobility.recognition", _("Results abroad to recognise")),
    }
    for action, (kind, title) in titles.items():
        rows = by_action.get(action)
        if rows:
            records = [(pk, name, deadline) for pk, name, deadline, _n in rows]
            # Steps of one agreement (signing as two parties) count once.
            records = list({pk: (pk, name, deadline) for pk, name, deadline in records}.values())
            total = sum(n for *_r, n in rows) if action in (Action.VERIFY, Action.FILL, Action.EVALUATE, Action.DECIDE) else len(records)
            items.append(_item(kind, action, title, records, url_one=agreement_url, url_many=mine, count=total, ref="mobility.agreement"))

    hosts = access.institutions_with(HOST_ROLES)
    if hosts:
        pending = list(Nomination.objects.filter(host_id__in=hosts, state=NominationState.PENDING).order_by("id")
                       .select_related("application__applicant").only("id", "application__applicant"))
        if pending:
            records = [(n.pk, n.application.applicant.display_name, None) for n in pending]
            items.append(_item("mobility.nominations", Action.DECIDE, _("Nominations to accept or decline"), records,
                               url_one=lambda pk: reverse("mobility:nominations"), url_many=reverse("mobility:nominations"), ref="mobility.nomination"))
        # Nominations another node sent to these hosts (federation): the first few and, in the same query, how many.
        waiting = list(RemoteNomination.objects.filter(host_id__in=hosts, state=NominationState.PENDING).order_by("id")
                       .annotate(total=Window(Count("id"))).values_list("id", "learner_name", "learner_name_latin", "total")[:REMOTE_SHOWN])
        if waiting:
            records = [(pk, f"{name} ({latin})" if latin and latin != name else name, None) for pk, name, latin, _total in waiting]
            items.append(_item("mobility.remote_nominations", Action.DECIDE, _("Nominations from other nodes to accept or decline"), records,
                               url_one=lambda pk: reverse("mobility:nominations"), url_many=reverse("mobility:nominations"), count=waiting[0][3],
                               ref="mobility.remotenomination"))
        # Logbook weeks kept on another node for these hosts to verify (federation): the first few and how many, in one query.
        weeks = list(RemoteLogbookEntry.objects.filter(agreement__nomination__host_id__in=hosts, state=EntryState.SUBMITTED)
                     .order_by("week_start", "id").annotate(total=Window(Count("id")))
                     .values_list("id", "agreement_id", "agreement__nomination__learner_name", "agreement__nomination__learner_name_latin",
                                  "total")[:REMOTE_SHOWN])
        if weeks:
            records = list({agreement: (agreement, f"{name} ({latin})" if latin and latin != name else name, None)
                            for _pk, agreement, name, latin, _total in weeks}.values())
            items.append(_item("mobility.remote_logbook", Action.VERIFY, _("Logbook weeks from other nodes to verify"), records,
                               url_one=lambda pk: reverse("mobility:remote_agreement", args=[pk]), url_many=reverse("mobility:nominations"),
                               count=weeks[0][4], ref="mobility.remotemobilityagreement"))
    if access.manages:
        later = PlacementRound.objects.filter(call=OuterRef("call"), number__gt=OuterRef("number"))
        rounds = list(PlacementRound.objects.filter(call__owner_id__in=access.manages, state=RoundState.DRY_RUN).exclude(Exists(later))
                      .order_by("call__deadline", "id").values_list("id", "call__title", "call__written_in", "call__translations"))
        if rounds:
            records = [(pk, _title(*written), None) for pk, *written in rounds]
            items.append(_item("mobility.publish", Action.PUBLISH, _("Placement rounds to check and publish"), records,
                               url_one=lambda pk: reverse("mobility:round", args=[pk]), url_many=reverse("mobility:home"), ref="mobility.round"))
        overdue = list(Call.objects.filter(owner_id__in=access.manages, state=CallState.OPEN, deadline__lte=now)
                       .order_by("deadline", "id").values_list("id", "title", "written_in", "translations"))
        if overdue:
            records = [(pk, _title(*written), None) for pk, *written in overdue]
            items.append(_item("mobility.close", Action.PREPARE, _("Calls past their deadline to close and place"), records,
                               url_one=lambda pk: reverse("mobility:call", args=[pk]), url_many=reverse("mobility:home"), ref="mobility.call"))
    drafts_read = list(Application.objects.filter(applicant_id=access.user_id, state=ApplicationState.DRAFT, call__state=CallState.OPEN,
                                             call__deadline__gt=now).order_by("call__deadline")
                  .values_list("call_id", "call__title", "call__written_in", "call__translations", "call__deadline"))
    drafts = [(pk, _title(title, written_in, versions), deadline) for pk, title, written_in, versions, deadline in drafts_read]
    if drafts:
        items.append(_item("mobility.application", Action.FILL, _("Applications in draft to submit"), drafts,
                           url_one=lambda pk: reverse("mobility:call", args=[pk]), url_many=reverse("mobility:home"), ref="mobility.call"))
    # A student with nothing started yet still has work: the open calls of her college she has not applied to.
    studying = access.institutions_with({Role.STUDENT})
    if studying:
        open_calls_read = list(Call.objects.filter(owner_id__in=studying, state=CallState.OPEN, deadline__gt=now)
                          .exclude(applications__applicant_id=access.user_id).order_by("deadline", "id")
                          .values_list("id", "title", "written_in", "translations", "deadline"))
        open_calls = [(pk, _title(title, written_in, versions), deadline) for pk, title, written_in, versions, deadline in open_calls_read]
        if open_calls:
            items.append(_item("mobility.open_call", Action.FILL, _("Open calls you may apply to"), open_calls,
                               url_one=lambda pk: reverse("mobility:call", args=[pk]), url_many=reverse("mobility:home"), ref="mobility.call"))
    to_prepare = list(Nomination.objects.filter(application__applicant_id=access.user_id, state=NominationState.ACCEPTED,
                                                mobility_agreement__isnull=True)
                      .order_by("id").values_list("application__call_id", "application__call__title", "application__call__written_in",
                                                  "application__call__translations"))
    if to_prepare:
        records = [(pk, _title(*written), None) for pk, *written in to_prepare]
        items.append(_item("mobility.prepare", Action.PREPARE, _("Learning or training agreements to prepare"), records,
                           url_one=lambda pk: reverse("mobility:call", args=[pk]), url_many=reverse("mobility:home"), ref="mobility.call"))
    items += placement_items(access=access, now=now)
    return items


def _title_row(title: str, written_in: str, translations) -> SimpleNamespace:
    """A call's written title (decision 0009) from the three columns a values_list read, as shown() reads a row."""
    return SimpleNamespace(title=title, written_in=written_in, translations=translations)


def _title(title: str, written_in: str, translations) -> str:
    """A call's title as the reader reads it (decision 0009), from the three columns a values_list read."""
    return shown(_title_row(title, written_in, translations), "title").text


def reminder_items(*, now: dt.datetime, horizon: dt.timedelta) -> list[tuple[int, InboxItem]]:
    """(recipient id, item) for every deadline of mobility that falls between now and now + horizon, whoever's:
    applications still in draft before their call's deadline, and agreements a party has not signed before the
    mobility starts. The reminders job (ortaq.notifications.reminders) sends them; titles are filled in there, in
    each recipient's language, so they are left empty here."""
    found: list[tuple[int, InboxItem]] = list(_answers_due(now=now, horizon=horizon))
    for app_id, user_id, call_id, title, written_in, versions, deadline in (
        Application.objects.filter(state=ApplicationState.DRAFT, call__state=CallState.OPEN, call__deadline__gt=now,
                                   call__deadline__lte=now + horizon)
        .values_list("id", "applicant_id", "call_id", "call__title", "call__written_in", "call__translations", "call__deadline")
    ):
        found.append((user_id, InboxItem(kind="mobility.application", action=Action.FILL, title="", url=reverse("mobility:call", args=[call_id]),
                                         deadline=deadline, ref=f"mobility.application:{app_id}", subject=title,
                                         subject_row=_title_row(title, written_in, versions))))
    today = timezone.localdate(now)
    last_day = timezone.localdate(now + horizon)
    unsigned = (MobilityAgreement.objects.exclude(state=MobilityAgreementState.SIGNED).filter(start_date__gt=today, start_date__lte=last_day)
                .select_related("nomination__application__applicant", "nomination__application__call")
                .prefetch_related(Prefetch("signatures", queryset=Signature.objects.only("agreement_id", "version", "party"))))
    agreements = list(unsigned)
    if not agreements:
        return found
    owners = {a.nomination.application.call.owner_id for a in agreements}
    host_ids = {a.nomination.host_id for a in agreements}
    people: dict[tuple[int, str], set[int]] = {}
    for user_id, institution_id, role in memberships(institutions=owners | host_ids, roles=[Role.COORDINATOR, Role.COMPANY_SUPERVISOR]).filter(
            user__is_active=True).values_list("user_id", "institution_id", "role"):
        people.setdefault((institution_id, role), set()).add(user_id)
    for agreement in agreements:
        signed = {s.party for s in agreement.signatures.all() if s.version == agreement.version}
        nomination = agreement.nomination
        recipients: set[int] = set()
        if Party.LEARNER not in signed:
            recipients.add(nomination.application.applicant_id)
        if Party.SENDING not in signed:
            recipients |= people.get((nomination.application.call.owner_id, Role.COORDINATOR), set())
        if Party.RECEIVING not in signed:
            for role in HOST_ROLES:
                recipients |= people.get((nomination.host_id, role), set())
        item = InboxItem(kind="mobility.sign", action=Action.SIGN, title="", url=reverse("mobility:agreement", args=[agreement.pk]),
                         deadline=agreement.start_date, ref=f"mobility.agreement:{agreement.pk}:v{agreement.version}",
                         subject=nomination.application.applicant.display_name)
        found += [(user_id, item) for user_id in sorted(recipients)]
    return found


# After a round is published (issue 15): the placed answer their placement, the sending coordinators check documents.
OPEN_NOMINATIONS = (NominationState.PENDING, NominationState.ACCEPTED)


def placement_items(*, access, now: dt.datetime) -> list[InboxItem]:
    """The reader's placements to accept or decline (with their deadline), and, for the sending coordinators, the
    checklist documents waiting for their check. Two queries whatever the data."""
    items: list[InboxItem] = []
    answers_read = list(Nomination.objects.filter(application__applicant_id=access.user_id, answer=PlacementAnswer.PENDING, state__in=OPEN_NOMINATIONS)
                   .filter(Q(answer_by__isnull=True) | Q(answer_by__gt=now)).order_by("answer_by", "id")
                   .values_list("id", "application__call__title", "application__call__written_in", "application__call__translations", "answer_by"))
    answers = [(pk, _title(title, written_in, versions), deadline) for pk, title, written_in, versions, deadline in answers_read]
    if answers:
        items.append(_item("mobility.answer", Action.DECIDE, _("Placements to accept or decline"), answers,
                           url_one=lambda pk: reverse("mobility:placement", args=[pk]), url_many=reverse("mobility:home"), ref="mobility.placement"))
    if access.manages:
        waiting = list(PlacementDocument.objects.filter(nomination__application__call__owner_id__in=access.manages, state=DocumentState.SUBMITTED)
                       .order_by("nomination_id").values_list("nomination_id", "nomination__application__applicant__full_name"))
        if waiting:
            records = list({pk: (pk, name, None) for pk, name in waiting}.values())
            items.append(_item("mobility.documents", Action.VERIFY, _("Placement documents to check"), records, count=len(waiting),
                               url_one=lambda pk: reverse("mobility:placement", args=[pk]), url_many=reverse("mobility:home"),
                               ref="mobility.placement"))
    return items


def _answers_due(*, now: dt.datetime, horizon: dt.timedelta):
    """(learner, item) for each placement whose deadline to answer falls within the horizon (the reminders job)."""
    for pk, user_id, title, written_in, versions, deadline in (
        Nomination.objects.filter(answer=PlacementAnswer.PENDING, state__in=OPEN_NOMINATIONS, answer_by__gt=now, answer_by__lte=now + horizon)
        .values_list("id", "application__applicant_id", "application__call__title", "application__call__written_in",
                     "application__call__translations", "answer_by")
    ):
        yield user_id, InboxItem(kind="mobility.answer", action=Action.DECIDE, title="", url=reverse("mobility:placement", args=[pk]),
                                 deadline=deadline, ref=f"mobility.placement:{pk}", subject=title, subject_row=_title_row(title, written_in, versions))
