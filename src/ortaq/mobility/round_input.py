"""A placement round's input: a call's options, applications and choices read from the database as arrays.

For a national call (200,000 applications x 20 choices = 4M Choice rows) walking ORM objects is far too
slow, so the round reads plain columns (`values_list`; the choices as comma-separated texts on
PostgreSQL), evaluates the eligibility rules of eligibility.py once per distinct input (memoised calls of
`call_reasons`, `option_reasons` and `language_points`), and hands the arrays to the engine's
`instance_from_arrays`, which orders each option's applicants by points and the published lottery.

The readable definition of what this builds is the reference builder in tests/mobility/round_oracle.py
(ORM objects -> the engine's JSON instance); tests/mobility/test_round_oracle.py checks on generated
calls, on SQLite and on PostgreSQL, that both give the identical instance and identical outcomes.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from django.db import connection

from ortaq.accounts.selectors import language_certificates
from ortaq.engines import placement

from . import eligibility
from .models import Application, ApplicationState, Call, Choice, Nomination, NominationState

# The one category a call reserves seats for: applicants who share their accessibility needs with consent.
INCLUSION = "inclusion"

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
    why: Callable[[int, int], list[str]]  # (why_key, requirement id) -> the reasons, as the oracle gives them


def _rows(queryset, *fields) -> list[tuple]:
    return list(queryset.values_list(*fields))


def _choices(call: Call) -> np.ndarray:
    """(application_id, option_id, rank) of every choice of a submitted application, as an (k, 3) int64 array."""
    if connection.vendor == "postgresql":
        return _choices_postgresql(call)
    rows = _rows(Choice.objects.filter(application__call=call, application__state=ApplicationState.SUBMITTED),
                 "application_id", "option_id", "rank")
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _choices_postgresql(call: Call) -> np.ndarray:
    # 4M rows: each column as one comma-separated text, parsed by numpy in C, instead of 4M Python tuples
    # (or 4M COPY rows, which psycopg hands over one at a time). Measured on 4M choices against the
    # earlier int8 arrays in PostgreSQL's binary format (array_send, parsed by hand): half the CPU in
    # Python (0.5 s instead of 1.2 s, mostly psycopg decoding the bytea) and less in PostgreSQL (1.0 s
    # instead of 1.5 s). The aggregates of one query read the rows in the same order, so the columns align.
    sql = (f"SELECT count(*), string_agg(c.application_id::text, ','), string_agg(c.option_id::text, ','), "
           f"string_agg(c.rank::text, ',') FROM {Choice._meta.db_table} c JOIN {Application._meta.db_table} a "
           f"ON a.id = c.application_id WHERE a.call_id = %s AND a.state = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [call.pk, ApplicationState.SUBMITTED.value])
        count, *columns = cursor.fetchone()
    if not count:
        return np.zeros((0, 3), dtype=np.int64)
    arrays = [np.fromstring(text, dtype=np.int64, sep=",") for text in columns]
    if any(len(a) != count for a in arrays):  # pragma: no cover - integers print as digits and commas only
        raise ValueError("the choices did not parse as integers")
    return np.stack(arrays, axis=1)


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
    """Read a call's applications and choices and build the engine instance."""
    programme_ids = set(call.eligible_programmes.values_list("pk", flat=True))

    # ---- options and their language requirements
    options = _rows(call.options.order_by("id"), "id", "places", "reserved_inclusion", "condition_id", "offer_id",
                    "condition__language", "condition__language_framework", "condition__language_min_level",
                    "offer__language", "offer__language_framework", "offer__language_min_level")
    m = len(options)
    option_ids = np.array([o[0] for o in options], dtype=np.int64)
    requirement_index: dict[Any, int] = {}
    requirement_option: list[Any] = []  # a stand-in option per distinct requirement, for eligibility.option_reasons
    option_requirement = np.zeros(m, dtype=np.int64)
    for j, (_pk, _places, _reserve, condition_id, offer_id, *language) in enumerate(options):
        stand_in = SimpleNamespace(
            condition_id=condition_id,
            condition=SimpleNamespace(language=language[0], language_framework=language[1], language_min_level=language[2]) if condition_id else None,
            offer=SimpleNamespace(language=language[3], language_framework=language[4], language_min_level=language[5]) if offer_id else None)
        requirement = eligibility.option_requirement(stand_in)
        if requirement not in requirement_index:
            requirement_index[requirement] = len(requirement_option)
            requirement_option.append(stand_in)
        option_requirement[j] = requirement_index[requirement]

    # ---- applications, certificates, call-level reasons and points
    submitted = Application.objects.filter(call=call, state=ApplicationState.SUBMITTED)
    applications = _rows(submitted.order_by("id"), "id", "applicant_id", "programme_id", "year_of_study", "grade",
                         "motivation_score", "interview_score", "share_accessibility_needs", "applicant__accessibility_consent_at")
    n = len(applications)
    application_ids = np.array([a[0] for a in applications], dtype=np.int64)
    certificates: dict[int, list[Certificate]] = {}
    for user_id, language, framework, level in _rows(
            language_certificates().filter(user__applications__call=call, user__applications__state=ApplicationState.SUBMITTED).order_by("id"),
            "user_id", "language", "framework", "level"):
        certificates.setdefault(user_id, []).append(Certificate(language, framework, level))
    group_index: dict[tuple, int] = {(): 0}
    group_certificates: list[list[Certificate]] = [[]]
    base_index: dict[tuple, int] = {(): 0}
    base_reasons: list[tuple[str, ...]] = [()]
    reasons_memo: dict[tuple, int] = {}
    group_list, base_list, member_list = [], [], []
    for _pk, applicant_id, programme_id, year, grade, _motivation, _interview, share, consent_at in applications:
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
            reasons = tuple(eligibility.call_reasons(call, programme_id=programme_id, year_of_study=year, grade=grade,
                                                     certificates=group_certificates[g], eligible_programme_ids=programme_ids))
            b = reasons_memo[memo_key] = base_index.setdefault(reasons, len(base_reasons))
            if b == len(base_reasons):
                base_reasons.append(reasons)
        base_list.append(b)
        member_list.append(bool(share and consent_at))
    group = np.array(group_list, dtype=np.int64)
    base = np.array(base_list, dtype=np.int64)
    score = _scores(call, applications, group, group_certificates)
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
    ineligible = base_bad[base[a_idx]] | option_bad[group[a_idx], option_requirement[o_idx]]

    # ---- each option's side: the eligible applicants who chose it, with their points; the engine orders
    # them (higher points first, ties by the call's published lottery: docs/placement.md)
    eligible = np.flatnonzero(~ineligible)
    by_option = eligible[np.argsort(o_idx[eligible], kind="stable")]
    pl_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(o_idx[by_option], minlength=m), out=pl_ptr[1:])
    instance = placement.instance_from_arrays(
        applicant_ids=[f"a{pk}" for pk in application_ids.tolist()], placement_ids=[f"o{o[0]}" for o in options],
        app_ptr=app_ptr, app_pref=o_idx, capacity=np.array([o[1] for o in options], dtype=np.int64),
        pl_ptr=pl_ptr, pl_app=a_idx[by_option], pl_priority=score[a_idx[by_option]],
        categories=[INCLUSION], member=np.array(member_list, dtype=bool).reshape(1, n),
        reserved={j: [(0, o[2])] for j, o in enumerate(options) if o[2]},
        lottery_seed=call.lottery_seed, tie_breaking="single")

    groups = len(group_certificates)

    def why(key: int, r: int) -> list[str]:
        return list(base_reasons[key // groups]) + option_why[key % groups][r]

    return RoundInput(instance=instance, application_ids=application_ids, option_ids=option_ids, ineligible=ineligible,
                      why_key=base * groups + group, option_requirement=option_requirement, why=why)
