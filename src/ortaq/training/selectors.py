"""Reads for professional development, by role: trainers their cohorts, colleges their managers,
the ministry aggregates only."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from ortaq.accounts.models import Role
from ortaq.accounts.selectors import access_for
from ortaq.engines import frameworks as fw

from .models import Cohort, CohortState, Enrolment, EnrolmentState, Phase, SelfAssessment


def cohorts_visible_to(*, actor):
    access = access_for(actor)
    qs = Cohort.objects.select_related("course__programme__provider").prefetch_related("trainers")
    if access.sees_everything:
        return qs
    rule = Q(trainers=actor) | Q(enrolments__manager=actor) | Q(enrolments__institution_id__in=access.manages)
    if access.manages:
        rule |= Q(state=CohortState.PLANNED)  # coordinators see cohorts open for nominations
    return qs.filter(rule).distinct()


def cohort_get(*, actor, pk: int):
    return cohorts_visible_to(actor=actor).filter(pk=pk).first()


def enrolments_visible(*, actor, cohort: Cohort):
    """Names of participants: trainers see all; a college sees its own managers; a manager sees themself.
    Ministry analysts see none (aggregates only)."""
    access = access_for(actor)
    qs = cohort.enrolments.select_related("manager", "institution", "credential")
    if access.is_admin or cohort.trainers.filter(pk=actor.pk).exists():
        return qs
    return qs.filter(Q(institution_id__in=access.manages) | Q(manager=actor))


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


def cohort_report(cohort: Cohort) -> dict:
    """Aggregates only (no names): enrolment, completion, mean level per area before and after, the biggest gaps."""
    states = defaultdict(int)
    for state in cohort.enrolments.values_list("state", flat=True):
        states[state] += 1
    sums: dict[tuple, list[int]] = defaultdict(list)
    for s in SelfAssessment.objects.filter(enrolment__cohort=cohort):
        for element, level in s.ratings.items():
            sums[(s.framework, element, s.phase)].append(int(level))
    areas = []
    for spec in fw.competency_frameworks():
        top = max(int(level.code) for level in spec.levels)
        for element in spec.elements:
            before = sums.get((spec.code, element.code, Phase.BEFORE), [])
            after = sums.get((spec.code, element.code, Phase.AFTER), [])
            if not before and not after:
                continue
            mean_b = round(sum(before) / len(before), 2) if before else None
            mean_a = round(sum(after) / len(after), 2) if after else None
            areas.append({"framework": spec, "element": element, "before": mean_b, "after": mean_a, "n": max(len(before), len(after)),
                          "growth": round(mean_a - mean_b, 2) if mean_a is not None and mean_b is not None else None, "max": top})
    enrolled = sum(states[s] for s in (EnrolmentState.ENROLLED, EnrolmentState.COMPLETED, EnrolmentState.NOT_COMPLETED))
    gaps = sorted((a for a in areas if a["before"] is not None), key=lambda a: a["before"] / a["max"])[:3]
    return {"nominated": sum(states.values()), "enrolled": enrolled, "completed": states[EnrolmentState.COMPLETED],
            "completion_rate": round(100 * states[EnrolmentState.COMPLETED] / enrolled) if enrolled else 0, "areas": areas, "gaps": gaps}


def managers_of(*, actor):
    """Managers in training of the colleges the actor coordinates (to nominate them)."""
    from ortaq.accounts.models import Membership, User

    access = access_for(actor)
    ids = Membership.objects.filter(role=Role.MANAGER_IN_TRAINING)
    if not access.is_admin:
        ids = ids.filter(institution_id__in=access.manages)
    return User.objects.filter(pk__in=ids.values("user_id")).order_by("full_name_latin", "username")


def catalogue():
    from .models import TrainingProgramme

    return TrainingProgramme.objects.select_related("provider").prefetch_related("courses__cohorts__trainers").order_by("code")


def institution_report(*, actor) -> list[dict]:
    """Per college the actor coordinates (all colleges for admins and the ministry): enrolments, completion and
    mean growth per area — aggregates, no names."""
    from ortaq.institutions.models import Institution

    access = access_for(actor)
    enrolments = Enrolment.objects.all() if access.sees_everything else Enrolment.objects.filter(institution_id__in=access.manages)
    by_institution: dict[int, dict] = {}
    for enrolment in enrolments.select_related("institution").prefetch_related("self_assessments"):
        row = by_institution.setdefault(enrolment.institution_id, {"institution": enrolment.institution, "nominated": 0, "enrolled": 0, "completed": 0, "growth": defaultdict(list)})
        row["nominated"] += 1
        if enrolment.state in (EnrolmentState.ENROLLED, EnrolmentState.COMPLETED, EnrolmentState.NOT_COMPLETED):
            row["enrolled"] += 1
        if enrolment.state == EnrolmentState.COMPLETED:
            row["completed"] += 1
        ratings = {(s.framework, s.phase): s.ratings for s in enrolment.self_assessments.all()}
        for spec in fw.competency_frameworks():
            before, after = ratings.get((spec.code, Phase.BEFORE)), ratings.get((spec.code, Phase.AFTER))
            if before and after:
                for element in spec.elements:
                    row["growth"][(spec.code, element.code)].append(int(after[element.code]) - int(before[element.code]))
    rows = []
    for row in sorted(by_institution.values(), key=lambda r: r["institution"].name_latin):
        growth = {key: round(sum(values) / len(values), 2) for key, values in row["growth"].items()}
        rows.append({**row, "growth": growth, "mean_growth": round(sum(growth.values()) / len(growth), 2) if growth else None,
                     "completion_rate": round(100 * row["completed"] / row["enrolled"]) if row["enrolled"] else 0})
    return rows


def growth_percent(enrolment: Enrolment) -> float | None:
    """A manager's mean rise over all areas with a before and an after rating, as a percentage of each scale."""
    rises = [100 * (row["after"] - row["before"]) / row["max"] for row in growth(enrolment)
             if row["before"] is not None and row["after"] is not None and row["max"]]
    return sum(rises) / len(rises) if rises else None
