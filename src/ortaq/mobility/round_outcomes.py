"""A round's result as stored rows: each application's placement and the explanation of every option above it.

An explanation lists every option the applicant ranked above her placement (all of them, if unplaced)
with the engine's reason -- `not_acceptable`, `no_capacity`, `below_cutoff` and her `rank` there -- or
`not_eligible` and the eligibility reasons when a rule excluded her there:

    [{"option": 12, "reason": "below_cutoff", "details": [], "rank": 3},
     {"option": 15, "reason": "not_eligible", "details": ["This option requires ..."]}]
"""

from __future__ import annotations

import json

import numpy as np
from django.db import connection

from ortaq.engines import placement

from .models import PlacementOutcome
from .round_input import RoundInput

NOT_ACCEPTABLE, NO_CAPACITY, NOT_ELIGIBLE = -1, -2, -3


def _fragment(option: int, reason: str) -> str:
    """The start of an item up to its details, e.g. `{"option":12,"reason":"below_cutoff","details":`."""
    return '{"option":%d,"reason":%s,"details":' % (option, json.dumps(reason))


def explanation_texts(data: RoundInput, result: placement.Result) -> tuple[list[int | None], list[str]]:
    """Per application (in data.application_ids order): the option placed at, and the explanation as JSON text.

    The text is what `json.dumps(items, separators=(",", ":"), ensure_ascii=False)` gives for the items
    (tests/mobility/test_round_oracle.py checks it on every generated call), but assembled from one pre-rendered fragment per
    option and reason: a national round has a million items, and building and dumping that many dicts
    takes 2.8 s where the fragments take 0.55 s (measured on 200,000 applicants, docs/decisions/0006).
    """
    inst = data.instance
    n, ids = inst.n_applicants, data.option_ids.tolist()
    placed = [ids[p] if p >= 0 else None for p in result.match.tolist()]
    lengths = np.diff(inst.app_ptr)
    a_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    limit = np.where(result.match_entry >= 0, result.match_entry, inst.app_ptr[1:])
    above = np.flatnonzero(np.arange(len(inst.app_pref), dtype=np.int64) < limit[a_of])
    p_above = inst.app_pref[above]
    rank = inst.entry_rank[above].astype(np.int64)
    code = np.where(rank < 0, NOT_ACCEPTABLE, np.where(inst.capacity[p_above] == 0, NO_CAPACITY, rank + 1))
    bad = data.ineligible[above]
    code[bad] = NOT_ELIGIBLE
    not_acceptable = [_fragment(o, "not_acceptable") + "[]}" for o in ids]
    no_capacity = [_fragment(o, "no_capacity") + "[]}" for o in ids]
    below = [_fragment(o, "below_cutoff") + '[],"rank":' for o in ids]
    items = [not_acceptable[p] if c == NOT_ACCEPTABLE else no_capacity[p] if c == NO_CAPACITY
             else below[p] + str(c) + "}" if c > 0 else "" for p, c in zip(p_above.tolist(), code.tolist())]
    if bad.any():
        memo: dict[tuple[int, int], str] = {}
        where = np.flatnonzero(bad)
        keys = data.why_key[a_of[above[where]]].tolist()
        requirements = data.option_requirement[p_above[where]].tolist()
        for k, key, r, p in zip(where.tolist(), keys, requirements, p_above[where].tolist()):
            details = memo.get((key, r))
            if details is None:
                details = memo[(key, r)] = json.dumps(data.why(key, r), ensure_ascii=False, separators=(",", ":"))
            items[k] = _fragment(ids[p], "not_eligible") + details + "}"
    counts = np.bincount(a_of[above], minlength=n).tolist() if n else []
    explanations, start = [], 0
    for c in counts:
        explanations.append("[" + ",".join(items[start:start + c]) + "]")
        start += c
    return placed, explanations


def store_outcomes(*, round_id: int, application_ids: list[int], placed: list[int | None], explanations: list[str]) -> None:
    """Replace the round's outcomes (COPY on PostgreSQL: a national round writes 10^5 rows and 70 MB of JSON)."""
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
