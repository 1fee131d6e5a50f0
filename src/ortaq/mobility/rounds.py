"""Placement rounds: build the engine's instance from the database, run it, store outcomes, publish.

The placement engine (ortaq.engines.placement) computes the applicant-optimal stable matching; this module
only translates calls, options and applications into its instance and its result back into outcomes,
nominations and explanations.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from django.db import connection, transaction
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


# --------------------------------------------------------------------------- the round's hot path
#
# `build_instance` above is the readable reference: it walks ORM objects and builds the engine's JSON
# instance. For a national call (200,000 applications x 20 choices = 4M Choice rows) that is far too
# slow, so a round reads plain columns instead (`values_list`; the choices through a binary COPY on
# PostgreSQL), evaluates the same eligibility rules once per distinct input (memoised calls of
# `eligibility.call_reasons`, `eligibility.option_reasons` and `eligibility.points`), builds the engine's
# `Instance` straight from numpy arrays (the same arrays `load_instance` would produce from the
# reference instance; bench/placement_round.py --verify compares the two) and writes outcomes with
# COPY. Behaviour is the same: reasons, points, declined nominations, host ranks, reserved inclusion
# seats, outcome/explanation format, cutoffs keyed by option id.

Certificate = namedtuple("Certificate", "language framework level")


@dataclass(eq=False)
class RoundInput:
    """What a round needs, as arrays. Entries (one per kept choice) are grouped by application, in rank order."""

    instance: placement.Instance
    application_ids: np.ndarray  # int64, ascending; applicant i of the instance is application_ids[i]
    option_ids: np.ndarray  # int64, ascending; placement j of the instance is option_ids[j]
    ineligible: np.ndarray  # bool per entry: a call- or option-level rule excludes the applicant there
    why_key: np.ndarray  # int64 per application: its call-level reasons and certificate group, packed
    option_requirement: np.ndarray  # int64 per option: its language requirement, as an id
    why: Callable[[int, int], list[str]]  # (why_key, requirement id) -> the reasons, as build_instance gives them


def _rows(queryset, *fields):
    return list(queryset.values_list(*fields))


def _choices(call: Call) -> np.ndarray:
    """(application_id, option_id, rank) of every choice of a submitted application, as an (k, 3) int64 array."""
    if connection.vendor == "postgresql":
        # 4M rows: three int8 arrays in PostgreSQL's binary array format (array_send), parsed by numpy, instead of
        # 4M Python tuples (or 4M COPY rows, which psycopg hands over one at a time).
        sql = (f"SELECT array_send(array_agg(c.application_id::int8)), array_send(array_agg(c.option_id::int8)), "
               f"array_send(array_agg(c.rank::int8)) FROM {Choice._meta.db_table} c JOIN {Application._meta.db_table} a "
               f"ON a.id = c.application_id WHERE a.call_id = %s AND a.state = %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [call.pk, ApplicationState.SUBMITTED.value])
            columns = cursor.fetchone()
        if columns[0] is None:
            return np.zeros((0, 3), dtype=np.int64)
        out = []
        for raw in columns:
            raw = bytes(raw)  # ndim, has-nulls flag, element type, then (length, lower bound) per dimension
            if int.from_bytes(raw[0:4], "big") != 1 or int.from_bytes(raw[4:8], "big") != 0:
                raise RuntimeError("unexpected array_send layout")  # pragma: no cover
            count = int.from_bytes(raw[12:16], "big")
            items = np.frombuffer(raw, dtype=np.dtype([("length", ">i4"), ("value", ">i8")]), offset=20, count=count)
            out.append(items["value"].astype(np.int64))
        return np.stack(out, axis=1)
    rows = _rows(Choice.objects.filter(application__call=call, application__state=ApplicationState.SUBMITTED), "application_id", "option_id", "rank")
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _scores(call: Call, applications: list[tuple], group: np.ndarray, group_certificates: list[list]) -> np.ndarray:
    """`int(eligibility.points(...) * 100)` for every application, with integers instead of 200,000 Decimal evaluations.

    eligibility.points is the weighted mean of grade, language points, motivation and interview, quantized to
    hundredths (ROUND_HALF_EVEN). In hundredths every value is an integer (grades have two decimals, language
    points are quantized to hundredths), so the mean is sum(value * weight) / total rounded half-even: exact,
    and equal to the Decimal result (its 28 significant digits cannot land on a false half). Any grade that is
    not a whole number of hundredths falls back to eligibility.points itself.
    """
    weights = [call.weight_grade, call.weight_language, call.weight_motivation, call.weight_interview]
    total = sum(weights) or 1
    language = np.array([int(eligibility.language_points(call, certs) * 100) for certs in group_certificates], dtype=np.int64)
    grades = [a[4] or 0 for a in applications]
    grade100 = [int(g * 100) if g * 100 == int(g * 100) else None for g in grades]
    if None in grade100:  # pragma: no cover - grades are stored with two decimals
        return np.array([int(eligibility.points(call, SimpleNamespace(grade=a[4], motivation_score=a[5], interview_score=a[6]),
                                                 group_certificates[g]) * 100) for a, g in zip(applications, group.tolist())], dtype=np.int64)
    weighted = (np.array(grade100, dtype=np.int64) * weights[0] + language[group] * weights[1]
                + np.array([a[5] or 0 for a in applications], dtype=np.int64) * (100 * weights[2])
                + np.array([a[6] or 0 for a in applications], dtype=np.int64) * (100 * weights[3]))
    quotient, remainder = np.divmod(weighted, total)
    return quotient + ((2 * remainder > total) | ((2 * remainder == total) & (quotient % 2 == 1)))


def load_round_input(call: Call) -> RoundInput:
    """Read a call's applications and choices and build the engine instance (the fast `build_instance`)."""
    points_rule = call.ranking_rule == RankingRule.POINTS
    programme_ids = set(call.eligible_programmes.values_list("pk", flat=True))

    # ---- options and their language requirements
    options = _rows(call.options.order_by("id"), "id", "places", "reserved_inclusion", "condition_id", "offer_id",
                    "condition__language", "condition__language_framework", "condition__language_min_level",
                    "offer__language", "offer__language_framework", "offer__language_min_level")
    m = len(options)
    option_ids = np.array([o[0] for o in options], dtype=np.int64)
    placement_ids = [f"o{o[0]}" for o in options]
    capacity = np.array([o[1] for o in options], dtype=np.int64)
    requirement_index: dict[Any, int] = {}
    requirement_option: list[Any] = []  # a stand-in option per distinct requirement, for eligibility.option_reasons
    option_requirement = np.zeros(m, dtype=np.int64)
    reserved: dict[int, list[tuple[int, int]]] = {}
    for j, (pk, places, reserve, condition_id, offer_id, *language) in enumerate(options):
        stand_in = SimpleNamespace(
            condition_id=condition_id,
            condition=SimpleNamespace(language=language[0], language_framework=language[1], language_min_level=language[2]) if condition_id else None,
            offer=SimpleNamespace(language=language[3], language_framework=language[4], language_min_level=language[5]) if offer_id else None)
        requirement = eligibility.option_requirement(stand_in)
        if requirement not in requirement_index:
            requirement_index[requirement] = len(requirement_option)
            requirement_option.append(stand_in)
        option_requirement[j] = requirement_index[requirement]
        if reserve:
            if reserve > places:  # the message load_instance gives
                raise placement.InstanceError(f"placements[{j}] (id 'o{pk}'): reserved seats ({reserve}) exceed capacity ({places})")
            reserved[j] = [(0, reserve)]

    # ---- applications, certificates, call-level reasons and points
    submitted = Application.objects.filter(call=call, state=ApplicationState.SUBMITTED)
    applications = _rows(submitted.order_by("id"), "id", "applicant_id", "programme_id", "year_of_study", "grade",
                         "motivation_score", "interview_score", "share_accessibility_needs", "applicant__accessibility_consent_at")
    n = len(applications)
    application_ids = np.array([a[0] for a in applications], dtype=np.int64)
    certificates: dict[int, list[Certificate]] = {}
    for user_id, language, framework, level in _rows(
            LanguageCertificate.objects.filter(user__applications__call=call, user__applications__state=ApplicationState.SUBMITTED).order_by("id"),
            "user_id", "language", "framework", "level"):
        certificates.setdefault(user_id, []).append(Certificate(language, framework, level))
    group_index: dict[tuple, int] = {(): 0}
    group_certificates: list[list[Certificate]] = [[]]
    base_index: dict[tuple, int] = {(): 0}
    base_reasons: list[tuple[str, ...]] = [()]
    reasons_memo: dict[tuple, int] = {}
    group_list, base_list, member_list = [], [], []
    for pk, applicant_id, programme_id, year, grade, motivation, interview, share, consent_at in applications:
        certs = certificates.get(applicant_id, ())
        key = tuple(certs)
        g = group_index.get(key)
        if g is None:
            g = group_index[key] = len(group_certificates)
            group_certificates.append(list(certs))
        group_list.append(g)
        memo_key = (programme_id, year, grade, g)
        b = reasons_memo.get(memo_key)
        if b is None:
            why = tuple(eligibility.call_reasons(call, programme_id=programme_id, year_of_study=year, grade=grade,
                                                 certificates=group_certificates[g], eligible_programme_ids=programme_ids))
            b = reasons_memo[memo_key] = base_index.setdefault(why, len(base_reasons))
            if b == len(base_reasons):
                base_reasons.append(why)
        base_list.append(b)
        member_list.append(bool(share and consent_at))
    group = np.array(group_list, dtype=np.int64)
    base = np.array(base_list, dtype=np.int64)
    member = np.array(member_list, dtype=bool).reshape(1, n)
    score = _scores(call, applications, group, group_certificates) if points_rule else np.zeros(n, dtype=np.int64)
    # option-level reasons per (certificate group, requirement)
    n_req = len(requirement_option)
    option_why = [[eligibility.option_reasons(requirement_option[r], certs) for r in range(n_req)] for certs in group_certificates]
    option_bad = np.array([[bool(w) for w in row] for row in option_why], dtype=bool).reshape(len(group_certificates), n_req)
    base_bad = np.array([bool(w) for w in base_reasons], dtype=bool)

    # ---- choices -> entries grouped by application in rank order, declined nominations left out
    choices = _choices(call)
    a_idx = np.searchsorted(application_ids, choices[:, 0])
    o_idx = np.searchsorted(option_ids, choices[:, 1]) if m else np.zeros(len(choices), dtype=np.int64)
    unknown = (o_idx >= m) | (option_ids[np.minimum(o_idx, max(m - 1, 0))] != choices[:, 1]) if m else np.ones(len(choices), dtype=bool)
    if unknown.any():
        k = int(np.flatnonzero(unknown)[0])
        raise placement.InstanceError(f"applicants[{int(a_idx[k])}] (id 'a{int(choices[k, 0])}'): preferences names unknown placement 'o{int(choices[k, 1])}'")
    sort_key = a_idx * (int(choices[:, 2].max()) + 1 if len(choices) else 1) + choices[:, 2]
    if len(sort_key) > 1 and not (sort_key[1:] > sort_key[:-1]).all():
        order = np.argsort(sort_key, kind="stable")
        a_idx, o_idx = a_idx[order], o_idx[order]
    declined = Nomination.objects.filter(application__call=call, state=NominationState.DECLINED).values_list("application_id", "option_id")
    declined_keys = [int(i) * m + int(j) for a, o in declined
                     for i, j in [(np.searchsorted(application_ids, a), np.searchsorted(option_ids, o))]
                     if i < n and j < m and application_ids[i] == a and option_ids[j] == o]
    if declined_keys:
        keep = ~np.isin(a_idx * m + o_idx, np.array(declined_keys, dtype=np.int64))
        a_idx, o_idx = a_idx[keep], o_idx[keep]
    app_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a_idx, minlength=n), out=app_ptr[1:])
    app_pref = o_idx.astype(np.int32)
    ineligible = base_bad[base[a_idx]] | option_bad[group[a_idx], option_requirement[o_idx]]

    # ---- placement side: who each option accepts, in its order
    applicant_ids = [f"a{pk}" for pk in application_ids.tolist()]
    eligible = np.flatnonzero(~ineligible)
    if points_rule:
        # higher points first; ties by the smaller single-lottery number (docs/placement.md, "the lottery")
        digests = [hashlib.sha256(b"%d\x00%s" % (call.lottery_seed, x.encode())).digest() for x in applicant_ids]
        lottery = np.empty(n, dtype=np.int64)
        lottery[np.array(sorted(range(n), key=digests.__getitem__), dtype=np.int64)] = np.arange(n, dtype=np.int64)
        e_a = a_idx[eligible]
        accepted = eligible[np.lexsort((lottery[e_a], -score[e_a], o_idx[eligible]))]
        uses_priorities = np.ones(m, dtype=bool)
    else:
        ranked = np.array(_rows(HostRanking.objects.filter(option__call=call), "option_id", "application_id", "rank"), dtype=np.int64).reshape(-1, 3)
        r_o = np.searchsorted(option_ids, ranked[:, 0]) if m else np.zeros(len(ranked), dtype=np.int64)
        r_a = np.searchsorted(application_ids, ranked[:, 1]) if n else np.zeros(len(ranked), dtype=np.int64)
        valid = (r_o < m) & (r_a < n)
        valid[valid] &= (option_ids[r_o[valid]] == ranked[valid, 0]) & (application_ids[r_a[valid]] == ranked[valid, 1])
        r_key, r_rank = r_a[valid] * m + r_o[valid], ranked[valid, 2]
        by_key = np.argsort(r_key, kind="stable")
        r_key, r_rank = r_key[by_key], r_rank[by_key]
        e_key = a_idx[eligible] * m + o_idx[eligible]
        pos = np.minimum(np.searchsorted(r_key, e_key), max(len(r_key) - 1, 0))
        found = (r_key[pos] == e_key) if len(r_key) else np.zeros(len(e_key), dtype=bool)
        sel = eligible[found]
        # the reference sorts each option's (rank, engine id) pairs: ties in rank go by the id as a string
        string_position = np.empty(n, dtype=np.int64)
        string_position[np.array(sorted(range(n), key=applicant_ids.__getitem__), dtype=np.int64)] = np.arange(n, dtype=np.int64)
        accepted = sel[np.lexsort((string_position[a_idx[sel]], r_rank[pos[found]], o_idx[sel]))]
        uses_priorities = np.zeros(m, dtype=bool)
    # accepted: the entries each option accepts, grouped by option, best first
    pl_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(o_idx[accepted], minlength=m), out=pl_ptr[1:])
    pl_app = a_idx[accepted].astype(np.int32)
    pl_priority = score[pl_app] if points_rule else np.zeros(len(pl_app), dtype=np.int64)
    entry_rank = np.full(len(app_pref), -1, dtype=np.int32)
    entry_rank[accepted] = np.arange(len(accepted), dtype=np.int64) - pl_ptr[o_idx[accepted]]
    instance = placement.Instance(
        applicant_ids=applicant_ids, placement_ids=placement_ids, app_ptr=app_ptr, app_pref=app_pref,
        entry_rank=entry_rank, capacity=capacity, pl_ptr=pl_ptr, pl_app=pl_app,
        pl_priority=pl_priority, uses_priorities=uses_priorities, categories=[INCLUSION], member=member, reserved=reserved,
        lottery_seed=call.lottery_seed, tie_breaking="single")

    groups = len(group_certificates)

    def why(key: int, r: int) -> list[str]:
        return list(base_reasons[key // groups]) + option_why[key % groups][r]

    return RoundInput(instance=instance, application_ids=application_ids, option_ids=option_ids, ineligible=ineligible,
                      why_key=base * groups + group, option_requirement=option_requirement, why=why)


def _outcome_rows(data: RoundInput, result: placement.Result) -> tuple[list[int | None], list[str]]:
    """Per application (in data.application_ids order): the option placed at, and the explanations as JSON text.

    The explanations list every option ranked above the placement (all, if unplaced) with the engine's
    reason, or `not_eligible` and the eligibility reasons when a rule excluded the applicant there.
    """
    inst = data.instance
    n, ids = inst.n_applicants, data.option_ids.tolist()
    match = result.match.tolist()
    placed = [ids[p] if p >= 0 else None for p in match]
    lengths = np.diff(inst.app_ptr)
    a_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    limit = np.where(result.match_entry >= 0, result.match_entry, inst.app_ptr[1:])
    above = np.flatnonzero(np.arange(len(inst.app_pref), dtype=np.int64) < limit[a_of])
    p_above = inst.app_pref[above]
    rank = inst.entry_rank[above].astype(np.int64)
    code = np.where(rank < 0, -1, np.where(inst.capacity[p_above] == 0, -2, rank + 1))
    bad = data.ineligible[above]
    code[bad] = -3
    not_acceptable = ['{"option":%d,"reason":"not_acceptable","details":[]}' % o for o in ids]
    no_capacity = ['{"option":%d,"reason":"no_capacity","details":[]}' % o for o in ids]
    below = ['{"option":%d,"reason":"below_cutoff","details":[],"rank":' % o for o in ids]
    items = [not_acceptable[p] if c == -1 else no_capacity[p] if c == -2 else below[p] + str(c) + "}" if c > 0 else ""
             for p, c in zip(p_above.tolist(), code.tolist())]
    if bad.any():
        memo: dict[tuple[int, int], str] = {}
        where = np.flatnonzero(bad)
        keys = data.why_key[a_of[above[where]]].tolist()
        requirements = data.option_requirement[p_above[where]].tolist()
        for k, key, r, p in zip(where.tolist(), keys, requirements, p_above[where].tolist()):
            details = memo.get((key, r))
            if details is None:
                details = memo[(key, r)] = json.dumps(data.why(key, r), ensure_ascii=False)
            items[k] = '{"option":%d,"reason":"not_eligible","details":%s}' % (ids[p], details)
    counts = np.bincount(a_of[above], minlength=n).tolist() if n else []
    explanations, start = [], 0
    for c in counts:
        explanations.append("[" + ",".join(items[start:start + c]) + "]")
        start += c
    return placed, explanations


def _store_outcomes(round_id: int, application_ids: list[int], placed: list[int | None], explanations: list[str]) -> None:
    PlacementOutcome.objects.filter(round_id=round_id).delete()
    if connection.vendor == "postgresql":
        table = PlacementOutcome._meta.db_table
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} (round_id, application_id, option_id, explanations) FROM STDIN") as copy:
            # COPY text format: JSON text has no raw tabs or newlines, only backslashes need escaping
            for lo in range(0, len(application_ids), 20_000):
                copy.write("".join([f"{round_id}\t{a}\t{'\\N' if o is None else o}\t{e.replace('\\', '\\\\')}\n" for a, o, e in zip(
                    application_ids[lo:lo + 20_000], placed[lo:lo + 20_000], explanations[lo:lo + 20_000])]))
        with connection.cursor() as cursor:
            # A round replaces ~10^5 rows at once: refresh the planner's statistics now rather than when
            # autovacuum gets to it, or the applicants' result pages are planned for the old table.
            cursor.execute(f"ANALYZE {table}")
        return
    PlacementOutcome.objects.bulk_create(
        (PlacementOutcome(round_id=round_id, application_id=a, option_id=o, explanations=json.loads(e))
         for a, o, e in zip(application_ids, placed, explanations)), batch_size=5000)


def round_execute(round_id: int, *, timings: dict[str, float] | None = None) -> PlacementRound:
    """The work of a round (run by a worker): solve and store outcomes, reporting progress as it goes.

    `timings`, when given, receives the seconds spent loading/building, solving and persisting.
    """
    clock = time.perf_counter()
    placement_round = PlacementRound.objects.select_related("call").get(pk=round_id)
    PlacementRound.objects.filter(pk=round_id).update(state=RoundState.RUNNING, progress=10)
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
    placed, explanations = _outcome_rows(data, result)
    cut = result.cutoffs()
    option_ids = data.option_ids.tolist()
    cutoffs = {str(option_ids[p]): cut[p] for p in sorted(range(inst.n_placements), key=inst.placement_ids.__getitem__)}
    stats = {"applicants": inst.n_applicants, "placed": result.placed, "seats": int(inst.capacity.sum()),
             "proposals": result.proposals(), "seconds": round(result.seconds, 6)}
    with transaction.atomic():
        _store_outcomes(round_id, data.application_ids.tolist(), placed, explanations)
        PlacementRound.objects.filter(pk=round_id).update(state=RoundState.DRY_RUN, progress=100, stats=stats, cutoffs=cutoffs)
    if timings is not None:
        timings.update(load=loaded - clock, solve=solved - loaded, persist=time.perf_counter() - solved, total=time.perf_counter() - clock)
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
    # In bulk, because a national round places on the order of 10^5 applicants: one query for the standing
    # nominations, one update for those superseded, one insert for the new ones.
    placed = list(placement_round.outcomes.filter(option__isnull=False).values_list("pk", "application_id", "option_id", "option__host_id"))
    standing: dict[int, set[int]] = {}
    for application_id, option_id in Nomination.objects.filter(application__call=call).exclude(state=NominationState.DECLINED).values_list("application_id", "option_id"):
        standing.setdefault(application_id, set()).add(option_id)
    new, superseded = [], []
    for outcome_id, application_id, option_id, host_id in placed:
        held = standing.get(application_id, set())
        if option_id in held:
            continue
        if held:
            superseded.append(application_id)  # she moved to an option she prefers: earlier nominations lapse
        new.append(Nomination(outcome_id=outcome_id, application_id=application_id, option_id=option_id, host_id=host_id))
    if superseded:
        reason = str(_("Placed at a preferred option in round %(n)d.") % {"n": placement_round.number})
        Nomination.objects.filter(application_id__in=superseded).exclude(state=NominationState.DECLINED).update(
            state=NominationState.DECLINED, reason=reason, decided_at=timezone.now())
    created = Nomination.objects.bulk_create(new, batch_size=5000)
    audit_record(actor=actor, action="transition", obj=placement_round, after={"state": "published", "nominations": len(created)}, summary=str(call))
    from .tasks import notify_round_published

    transaction.on_commit(lambda: notify_round_published.enqueue(placement_round.pk, [n.pk for n in created]))
    return placement_round


def round_notify(round_id: int, nomination_ids: list[int]) -> int:
    """Tell every applicant that results are out, and each host's staff once about their new nominees."""
    from collections import defaultdict

    from ortaq.accounts.models import Membership, Role, User
    from ortaq.notifications.services import notify

    placement_round = PlacementRound.objects.select_related("call").get(pk=round_id)
    call = placement_round.call
    applicants = User.objects.filter(pk__in=placement_round.outcomes.values("application__applicant_id"))
    sent = notify(recipients=list(applicants), key="round_published", params={"call": call.title}, url=reverse("mobility:call", args=[call.pk]))
    by_host: dict[int, list] = defaultdict(list)
    for nomination in Nomination.objects.filter(pk__in=nomination_ids).select_related("application__applicant", "host"):
        by_host[nomination.host_id].append(nomination)
    staff: dict[int, list] = defaultdict(list)
    for membership in Membership.objects.filter(institution_id__in=by_host, role__in=[Role.COORDINATOR, Role.COMPANY_SUPERVISOR]).select_related("user"):
        staff[membership.institution_id].append(membership.user)
    for host_id, nominations in by_host.items():
        if not staff[host_id]:
            continue
        if len(nominations) == 1:
            params = {"applicant": str(nominations[0].application.applicant), "host": str(nominations[0].host), "call": call.title}
            sent += notify(recipients=staff[host_id], key="nomination_received", url=reverse("mobility:nominations"), params=params)
        else:
            params = {"count": len(nominations), "host": str(nominations[0].host), "call": call.title}
            sent += notify(recipients=staff[host_id], key="nominations_received", url=reverse("mobility:nominations"), params=params)
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
