"""Reads for professional development, by role: trainers their cohorts, colleges their managers,
the ministry aggregates only.

A manager's self-assessment ratings, and whether they completed, are personal data of their college. Exact
figures go to the cohort's trainers (platform admins act as trainers everywhere), to the coordinator and
registrar of the manager's own college, and to the manager themself (their growth chart). Figures that leave
the college (other colleges' coordinators, ministry analysts) follow the open-data rule of
`ortaq.analytics.disclosure`: no cell computed from fewer than 5 people.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.analytics.selectors import disclosure
from ortaq.engines import frameworks as fw
from ortaq.i18n import shown

from .models import AssessmentKind, Cohort, CohortState, Enrolment, EnrolmentState, Feedback, Phase, SelfAssessment

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from ortaq.accounts.types import Actor, User
    from .models import Session, TrainingProgramme

# Roles that answer for their college's managers in training: they see that college's figures exactly.
REPORT_ROLES = frozenset({Role.COORDINATOR, Role.REGISTRAR})
ENROLLED_STATES = (EnrolmentState.ENROLLED, EnrolmentState.COMPLETED, EnrolmentState.NOT_COMPLETED)


@dataclass(frozen=True)
class Sight:
    """Whose figures a reader sees exactly: everyone's, or those of the managers of the `own` colleges.
    Everybody else's only inside aggregates of at least `disclosure.THRESHOLD` people."""

    everyone: bool = False
    own: frozenset[int] = frozenset()


def sight_for(*, actor: Actor, cohort: Cohort | None = None) -> Sight:
    access = access_for(actor)
    if access.is_admin or (cohort is not None and actor.pk is not None and cohort.trainers.filter(pk=actor.pk).exists()):
        return Sight(everyone=True)
    return Sight(own=frozenset(access.institutions_with(REPORT_ROLES)))


def may_see_reports(*, actor: Actor, cohort: Cohort | None = None) -> bool:
    """Reports (aggregates) are for a cohort's trainers, the colleges' coordinators and registrars, and the ministry."""
    access = access_for(actor)
    return access.sees_everything or bool(access.institutions_with(REPORT_ROLES)) or sight_for(actor=actor, cohort=cohort).everyone


def cohorts_visible_to(*, actor: Actor) -> QuerySet[Cohort]:
    access = access_for(actor)
    qs = Cohort.objects.select_related("course__programme__provider").prefetch_related("trainers")
    if access.sees_everything:
        return qs
    rule = Q(trainers=actor) | Q(enrolments__manager=actor) | Q(enrolments__institution_id__in=access.institutions_with(REPORT_ROLES))
    if access.manages:
        rule |= Q(state=CohortState.PLANNED)  # coordinators see cohorts open for nominations
    return qs.filter(rule).distinct()


def cohort_ids_visible_to(*, actor: Actor) -> set[int]:
    """The cohorts whose page the actor may open (the catalogue links these only)."""
    return set(cohorts_visible_to(actor=actor).values_list("pk", flat=True))


def cohort_get(*, actor: Actor, pk: int) -> Cohort | None:
    return cohorts_visible_to(actor=actor).filter(pk=pk).first()


def enrolments_visible(*, actor: User, cohort: Cohort) -> QuerySet[Enrolment]:
    """Names of participants: trainers see all; a college (coordinator, registrar) sees its own managers; a
    manager sees themself. Ministry analysts see none (aggregates only)."""
    sight = sight_for(actor=actor, cohort=cohort)
    qs = cohort.enrolments.select_related("manager", "institution", "credential")
    if sight.everyone:
        return qs
    return qs.filter(Q(institution_id__in=sight.own) | Q(manager=actor))


def sessions_with_feedback(*, actor: User, cohort: Cohort) -> QuerySet[Session]:
    """The cohort's sessions with the feedback the actor may read: the class (trainers and participants)
    reads all of it; anyone else (colleges, the ministry) only their own, since it carries names and opinions."""
    feedback = Feedback.objects.select_related("author")
    in_class = sight_for(actor=actor, cohort=cohort).everyone or cohort.enrolments.filter(manager=actor, state__in=ENROLLED_STATES).exists()
    if not in_class:
        feedback = feedback.filter(author=actor)
    return cohort.sessions.prefetch_related(Prefetch("feedback", queryset=feedback))


def growth(enrolment: Enrolment) -> list[dict]:
    """Per framework and area: the level before and after, for the manager's growth chart."""
    by_phase = {(s.framework, s.phase): s.ratings for s in enrolment.self_assessments.all()}
    rows = []
    for spec in fw.competency_frameworks():
        before, after = by_phase.get((spec.code, Phase.BEFORE)), by_phase.get((spec.code, Phase.AFTER))
        if before is None and after is None:
            continue
        top = max(int(level.code) for level in spec.levels)
        for element in spec.elements:
            b = int(before[element.code]) if before else None
            a = int(after[element.code]) if after else None
            rows.append({"framework": spec, "element": element, "before": b, "after": a, "max": top,
                         "before_pct": round(100 * b / top) if b is not None else 0, "after_pct": round(100 * a / top) if a is not None else 0})
    return rows


def _counts(states: list[str], *, exact: bool) -> dict:
    """Nominated, enrolled and completed, and the completion rate. Withheld (None) cells follow the disclosure
    rule on the partition the three counts are made of (not enrolled, enrolled but not completed, completed),
    so that no difference of two shown counts reveals a small group either."""
    not_enrolled = sum(1 for s in states if s not in ENROLLED_STATES)
    completed = sum(1 for s in states if s == EnrolmentState.COMPLETED)
    counts = [not_enrolled, len(states) - not_enrolled - completed, completed]
    parts: list[int | None] = list(counts)
    nominated: int | None = len(states)
    if not exact:
        parts, nominated = disclosure.suppress_column(counts)
    shown_not_enrolled, continuing, shown_completed = parts  # None where withheld
    enrolled: int | None
    if continuing is not None and shown_completed is not None:
        enrolled = continuing + shown_completed
    else:
        enrolled = nominated - shown_not_enrolled if nominated is not None and shown_not_enrolled is not None else None
    rate = None
    if enrolled is not None and shown_completed is not None:
        rate = round(100 * shown_completed / enrolled) if enrolled else 0
    return {"nominated": nominated, "enrolled": enrolled, "completed": shown_completed, "completion_rate": rate}


def _mean(values: list[int], *, exact: bool) -> float | None:
    if not values or (not exact and disclosure.suppress_cell(len(values)) is None):
        return None
    return round(sum(values) / len(values), 2)


def _summary(people: list[tuple[str, dict]], *, exact: bool) -> dict:
    """Aggregates of some participants (state, {(framework, phase): ratings}): enrolment, completion, mean level
    per area before and after, the biggest gaps. Not exact: every figure from fewer than 5 people is None."""
    ratings: dict[tuple, list[int]] = defaultdict(list)
    for _state, assessments in people:
        for (framework, phase), values in assessments.items():
            for element, level in values.items():
                ratings[(framework, element, phase)].append(int(level))
    areas = []
    for spec in fw.competency_frameworks():
        top = max(int(level.code) for level in spec.levels)
        for element in spec.elements:
            before = ratings.get((spec.code, element.code, Phase.BEFORE), [])
            after = ratings.get((spec.code, element.code, Phase.AFTER), [])
            if not before and not after:
                continue
            n = max(len(before), len(after))
            mean_b, mean_a = _mean(before, exact=exact), _mean(after, exact=exact)
            area: dict[str, Any] = {"framework": spec, "element": element, "before": mean_b, "after": mean_a, "max": top,
                    "n": n if exact else disclosure.suppress_cell(n),
                    "growth": round(mean_a - mean_b, 2) if mean_a is not None and mean_b is not None else None}
            # Which cells are blank because they are withheld (the others are blank for want of ratings).
            area["withheld"] = {k for k, values in (("n", [n]), ("before", before), ("after", after), ("growth", before and after)) if area[k] is None and values}
            areas.append(area)
    gaps = sorted((a for a in areas if a["before"] is not None), key=lambda a: a["before"] / a["max"])[:3]
    counts = _counts([state for state, _a in people], exact=exact)
    return {**counts, "counts_withheld": None in counts.values(), "areas": areas, "gaps": gaps, "exact": exact}


def cohort_report(*, actor: Actor, cohort: Cohort) -> dict:
    """The cohort's report as the actor may see it, in parts (no names in any): "all" (every participant; exact for
    trainers, disclosure-controlled for the ministry), or "own" (the actor's colleges' managers, exact) and
    "other" (everyone else, disclosure-controlled). The two parts never add up to anything the actor may not see."""
    sight = sight_for(actor=actor, cohort=cohort)
    assessments: dict[int, dict] = defaultdict(dict)
    for enrolment_id, framework, phase, ratings in SelfAssessment.objects.filter(enrolment__cohort=cohort).values_list(
            "enrolment_id", "framework", "phase", "ratings"):
        assessments[enrolment_id][(framework, phase)] = ratings
    own: list[tuple[str, dict]] = []
    other: list[tuple[str, dict]] = []
    for pk, institution_id, state in cohort.enrolments.values_list("pk", "institution_id", "state"):
        (own if institution_id in sight.own else other).append((state, assessments.get(pk, {})))
    if sight.everyone:
        parts = [("all", _summary(own + other, exact=True))]
    elif own:
        parts = [("own", _summary(own, exact=True))] + ([("other", _summary(other, exact=False))] if other else [])
    else:
        parts = [("all", _summary(other, exact=False))]
    return {"parts": [{"key": key, **summary} for key, summary in parts], "threshold": disclosure.THRESHOLD}


def managers_of(*, actor: Actor) -> QuerySet[User]:
    """Managers in training of the colleges the actor coordinates (to nominate them)."""
    access = access_for(actor)
    ids = memberships(roles=[Role.MANAGER_IN_TRAINING])
    if not access.is_admin:
        ids = ids.filter(institution_id__in=access.manages)
    return get_user_model().objects.filter(pk__in=ids.values("user_id")).order_by("full_name_latin", "username")


def catalogue() -> QuerySet[TrainingProgramme]:
    from .models import TrainingProgramme

    return TrainingProgramme.objects.select_related("provider").prefetch_related("courses__cohorts__trainers").order_by("code")


def institution_report(*, actor: Actor) -> list[dict]:
    """Per college: enrolments, completion and mean growth per area, no names. A college's coordinator or
    registrar sees their own colleges, exactly; admins see every college exactly; the ministry sees every
    college with figures from fewer than 5 people withheld (None)."""
    access = access_for(actor)
    sight = sight_for(actor=actor)
    if sight.everyone or access.is_ministry:
        enrolments = Enrolment.objects.all()
    else:
        enrolments = Enrolment.objects.filter(institution_id__in=sight.own)
    by_institution: dict[int, dict] = {}
    for enrolment in enrolments.select_related("institution").prefetch_related("self_assessments"):
        row = by_institution.setdefault(enrolment.institution_id, {"institution": enrolment.institution, "states": [], "growth": defaultdict(list)})
        row["states"].append(enrolment.state)
        ratings = {(s.framework, s.phase): s.ratings for s in enrolment.self_assessments.all()}
        for spec in fw.competency_frameworks():
            before, after = ratings.get((spec.code, Phase.BEFORE)), ratings.get((spec.code, Phase.AFTER))
            if before and after:
                for element in spec.elements:
                    row["growth"][(spec.code, element.code)].append(int(after[element.code]) - int(before[element.code]))
    rows = []
    for row in sorted(by_institution.values(), key=lambda r: r["institution"].name_latin):
        exact = sight.everyone or row["institution"].pk in sight.own
        growth = {key: mean for key, values in row["growth"].items() if (mean := _mean(values, exact=exact)) is not None}
        counts = _counts(row["states"], exact=exact)
        rows.append({"institution": row["institution"], **counts, "growth": growth, "exact": exact,
                     "counts": [counts["nominated"], counts["enrolled"], counts["completed"]], "growth_withheld": bool(row["growth"]) and not growth,
                     "mean_growth": round(sum(growth.values()) / len(growth), 2) if growth else None,
                     "withheld": any(v is None for v in counts.values()) or len(growth) < len(row["growth"])})
    return rows


def growth_percent(enrolment: Enrolment) -> float | None:
    """A manager's mean rise over all areas with a before and an after rating, as a percentage of each scale."""
    rises = [100 * (row["after"] - row["before"]) / row["max"] for row in growth(enrolment)
             if row["before"] is not None and row["after"] is not None and row["max"]]
    return sum(rises) / len(rises) if rises else None


def enrolment_rows() -> QuerySet[Enrolment]:
    """Every enrolment, whoever asks: for analytics' nightly facts only, which publish aggregates."""
    return Enrolment.objects.all()


def is_trainer(actor: Actor, cohort: Cohort) -> bool:
    return access_for(actor).is_admin or (actor.pk is not None and cohort.trainers.filter(pk=actor.pk).exists())


def after_opens_on(cohort: Cohort) -> dt.date:
    """The first day of the cohort's last part: its last quarter, and at least its last week (the closing
    self-assessment asks where a manager stands at the end, so it opens near the end, not at the start)."""
    last_part = max((cohort.end_date - cohort.start_date) // 4, dt.timedelta(days=6))
    return max(cohort.start_date, cohort.end_date - last_part)


def after_is_open(cohort: Cohort, today: dt.date | None = None) -> bool:
    """Whether the closing ("after") self-assessment is open: the cohort is completed, or its dates have reached
    their last part (a cohort whose dates are past is open whatever state its trainer left it in)."""
    return cohort.state == CohortState.COMPLETED or (today or timezone.localdate()) >= after_opens_on(cohort)


def completion_status(enrolment: Enrolment) -> dict:
    """The completion rules: attendance at or above the threshold, and every assessed work passed, a final project included."""
    cohort = enrolment.cohort
    sessions = cohort.sessions.count()
    attended = enrolment.attendance.filter(present=True).count()
    attendance = round(100 * attended / sessions) if sessions else 0
    assessments = list(enrolment.assessments.all())
    final = [a for a in assessments if a.kind == AssessmentKind.FINAL_PROJECT]
    reasons = []
    if attendance < cohort.attendance_threshold:
        reasons.append(str(_("Attendance %(a)d%% is below the required %(t)d%%.") % {"a": attendance, "t": cohort.attendance_threshold}))
    if not final:
        reasons.append(str(_("The final project has not been assessed yet.")))
    if any(not a.passed for a in assessments):
        reasons.append(str(_("Some assessed work is below the pass mark.")))
    return {"attendance": attendance, "complete": not reasons, "reasons": reasons}


def self_assessment_ratings(enrolment: Enrolment, *, phase: str, framework: str) -> dict:
    existing = enrolment.self_assessments.filter(phase=phase, framework=framework).first()
    return existing.ratings if existing else {}


def cohort_page(*, actor: User, cohort: Cohort) -> dict:
    """What the cohort's page shows this reader: the participants they may see with their completion, their own
    participation and growth, the sessions, and the report (aggregates) when they may see it."""
    enrolments = list(enrolments_visible(actor=actor, cohort=cohort).prefetch_related("attendance", "assessments", "self_assessments"))
    mine = next((e for e in enrolments if e.manager_id == actor.pk), None)
    for enrolment in enrolments:  # what the page's table shows per participant, on the row itself
        enrolment.completion = completion_status(enrolment)  # type: ignore[attr-defined]
        enrolment.present = {a.session_id for a in enrolment.attendance.all() if a.present}  # type: ignore[attr-defined]
    return {
        "cohort": cohort, "trainer": is_trainer(actor, cohort),
        "enrolments": enrolments, "mine": mine, "growth": growth(mine) if mine else [], "after_open": after_is_open(cohort),
        "done_before": {s.framework for s in mine.self_assessments.all() if s.phase == Phase.BEFORE} if mine else set(),
        "report": cohort_report(actor=actor, cohort=cohort) if may_see_reports(actor=actor, cohort=cohort) else None,
        "managers": managers_of(actor=actor) if access_for(actor).manages else [],
        "sessions": sessions_with_feedback(actor=actor, cohort=cohort),
    }


def inbox_items(*, actor: Actor) -> list:
    """Work waiting in professional development: for a manager, the self-assessments still to do (before the
    course starts, and after it from its last week) and the next session; for a trainer, nominations to enrol
    or decline, completions to decide once a cohort has ended, and the next session. Four queries at most."""
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from ortaq.lib.inbox import Action, InboxItem, earliest

    from .models import Session

    access = access_for(actor)
    if access.user_id is None:
        return []
    today = timezone.localdate()
    items = []
    frameworks = [f.code for f in fw.competency_frameworks()]
    enrolments = list(Enrolment.objects.filter(manager_id=access.user_id, state=EnrolmentState.ENROLLED)
                      .exclude(cohort__state=CohortState.COMPLETED, cohort__end_date__lt=today - dt.timedelta(days=30))
                      .select_related("cohort").prefetch_related("self_assessments"))
    todo = []  # (cohort, phase, framework, deadline)
    for enrolment in enrolments:
        cohort = enrolment.cohort
        done = {(s.phase, s.framework) for s in enrolment.self_assessments.all()}
        phases = [Phase.BEFORE]
        if after_is_open(cohort, today):  # the rule the self-assessment page itself applies
            phases.append(Phase.AFTER)
        for phase in phases:
            deadline = cohort.start_date if phase == Phase.BEFORE else cohort.end_date
            todo += [(cohort, phase, code, deadline) for code in frameworks if (phase, code) not in done]
    if todo:
        cohort, phase, code, _deadline = todo[0]
        one = len(todo) == 1
        same_cohort = len({c.pk for c, *_r in todo}) == 1
        url = (reverse("training:self_assessment", args=[cohort.pk, phase, code]) if one
               else reverse("training:cohort", args=[cohort.pk]) if same_cohort else reverse("training:list"))
        items.append(InboxItem(kind="training.self_assessment", action=Action.ASSESS, title=_("Self-assessments to do"), count=len(todo), url=url,
                               deadline=earliest(d for *_r, d in todo), ref=f"training.cohort:{cohort.pk}" if same_cohort else "",
                               subject=shown(cohort, "title").text if same_cohort else ""))
    trained = list(Cohort.objects.filter(trainers__id=access.user_id).exclude(state=CohortState.COMPLETED, end_date__lt=today - dt.timedelta(days=60))
                   .order_by("start_date", "id").values_list("id", "title", "state", "end_date", "written_in", "translations"))
    if trained:
        ids = [pk for pk, *_r in trained]
        nominated = list(Enrolment.objects.filter(cohort_id__in=ids, state=EnrolmentState.NOMINATED).values_list("cohort_id", flat=True))
        undecided = set(Enrolment.objects.filter(cohort_id__in=ids, state=EnrolmentState.ENROLLED, cohort__end_date__lt=today)
                        .values_list("cohort_id", "id"))
        titles = {pk: shown(SimpleNamespace(title=title, written_in=written_in, translations=versions), "title").text
                  for pk, title, _state, _end, written_in, versions in trained}
        for kind, action, title, cohorts, count in (
            ("training.enrol", Action.DECIDE, _("Nominations to enrol or decline"), sorted(set(nominated)), len(nominated)),
            ("training.complete", Action.ASSESS, _("Completions to assess and decide"), sorted({c for c, _e in undecided}), len(undecided)),
        ):
            if cohorts:
                one = len(cohorts) == 1
                items.append(InboxItem(kind=kind, action=action, title=title, count=count,
                                       url=reverse("training:cohort", args=[cohorts[0]]) if one else reverse("training:list"),
                                       ref=f"training.cohort:{cohorts[0]}" if one else "", subject=titles[cohorts[0]] if one else ""))
    cohort_ids = {e.cohort_id for e in enrolments} | {pk for pk, *_r in trained}
    upcoming = (Session.objects.filter(cohort_id__in=cohort_ids, starts_at__gte=timezone.now(), starts_at__lte=timezone.now() + dt.timedelta(days=14))
                .select_related("cohort").order_by("starts_at").first()) if cohort_ids else None
    if upcoming is not None:
        items.append(InboxItem(kind="training.session", action=Action.READ, title=_("Next session"), url=reverse("training:cohort", args=[upcoming.cohort_id]),
                               deadline=upcoming.starts_at, subject=f"{shown(upcoming.cohort, 'title')}: {shown(upcoming, 'topic')}"))
    return items


def reminder_items(*, now: dt.datetime, horizon: dt.timedelta) -> list:
    """(recipient id, item) for the self-assessments "before the course" not yet done by managers enrolled in a
    cohort that starts between now and now + horizon. Titles are filled in by the reminders job."""
    from django.urls import reverse
    from django.utils import timezone

    from ortaq.lib.inbox import Action, InboxItem

    frameworks = [f.code for f in fw.competency_frameworks()]
    found = []
    enrolments = (Enrolment.objects.filter(state=EnrolmentState.ENROLLED, cohort__start_date__gt=timezone.localdate(now),
                                           cohort__start_date__lte=timezone.localdate(now + horizon))
                  .select_related("cohort").prefetch_related("self_assessments"))
    for enrolment in enrolments:
        done = {s.framework for s in enrolment.self_assessments.all() if s.phase == Phase.BEFORE}
        missing = [code for code in frameworks if code not in done]
        if missing:
            cohort = enrolment.cohort
            found.append((enrolment.manager_id, InboxItem(
                kind="training.self_assessment", action=Action.ASSESS, title="", count=len(missing),
                url=reverse("training:self_assessment", args=[cohort.pk, Phase.BEFORE, missing[0]]), deadline=cohort.start_date,
                ref=f"training.enrolment:{enrolment.pk}:before", subject=cohort.title, subject_row=cohort)))
    return found
