"""A round read from the database (round_input.py) equals the readable reference (round_oracle.py) on generated calls.

Runs on whichever database the suite runs on; CI runs it on SQLite and on PostgreSQL, where the choices
arrive through `array_send` and the outcomes are written with COPY.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ortaq.accounts.models import LanguageCertificate, User
from ortaq.engines import placement
from ortaq.mobility import round_services
from ortaq.mobility.models import (
    Application,
    Call,
    CallOption,
    Choice,
    InternshipOffer,
    Nomination,
    PlacementOutcome,
    PlacementRound,
)
from ortaq.mobility.round_input import load_round_input
from ortaq.mobility.round_outcomes import explanation_texts
from ortaq.programmes.models import Programme
from tests.mobility.round_oracle import reference_outcomes

FIELDS = ("applicant_ids", "placement_ids", "app_ptr", "app_pref", "entry_rank", "capacity", "pl_ptr", "pl_app",
          "pl_priority", "uses_priorities", "member", "reserved", "categories", "lottery_seed", "tie_breaking")
# (language, framework, level): none, and requirements some certificates meet and some do not
# (most applicants meet most rules, so that options fill and applicants compete)
NONE = ("", "", "")
REQUIREMENTS = [NONE, NONE, ("zh", "hsk", "3"), ("zh", "hsk", "5"), ("en", "cefr", "B1")]
CERTIFICATES = [("zh", "hsk", "2"), ("zh", "hsk", "3"), ("zh", "hsk", "4"), ("zh", "hsk", "6"), ("en", "cefr", "A2"),
                ("en", "cefr", "B2"), ("kk", "kaztest", "B1")]
# few distinct values, so that points tie and the lottery decides
GRADES = [None, Decimal("45.50"), Decimal("70"), Decimal("70.00"), Decimal("70.01"), Decimal("88.25"), Decimal("100")]
SCORES = [None, 0, 50, 100]


@st.composite
def applicants(draw: Any, m: int) -> dict[str, Any]:
    k = draw(st.integers(1, m)) if draw(st.integers(0, 9)) else 0  # one applicant in ten chose nothing
    return {
        "options": draw(st.permutations(range(m)))[:k],
        "ranks": sorted(draw(st.lists(st.integers(1, 30), min_size=k, max_size=k, unique=True))),
        "certificates": draw(st.lists(st.sampled_from(CERTIFICATES), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=3)),
        "state": draw(st.sampled_from(["submitted"] * 6 + ["draft", "withdrawn"])),
        "year": draw(st.sampled_from([None, 1, 2, 3, 3, 3])), "grade": draw(st.sampled_from(GRADES)),
        "motivation": draw(st.sampled_from(SCORES)), "interview": draw(st.sampled_from(SCORES)),
        "share": draw(st.booleans()), "consent": draw(st.booleans()), "programme": draw(st.sampled_from([None, 0, 0, 1])),
        "declined": draw(st.lists(st.integers(0, max(k - 1, 0)), max_size=1 if k else 0)),
    }


@st.composite
def calls(draw: Any) -> dict[str, Any]:
    m = draw(st.integers(1, 5))
    return {
        "seed": draw(st.integers(0, 2**40)),
        "weights": draw(st.sampled_from([(50, 20, 15, 15), (1, 0, 0, 0), (0, 0, 0, 0), (3, 3, 3, 1), (0, 100, 0, 0)])),
        "min_year": draw(st.sampled_from([None, None, 2])), "min_grade": draw(st.sampled_from([None, None, Decimal("50")])),
        "language": draw(st.sampled_from([NONE, NONE, NONE, ("zh", "hsk", "3")])), "programmes": draw(st.sampled_from([(), (), (0,)])),
        "options": [{"source": draw(st.sampled_from(["condition", "offer", "offer"])), "language": draw(st.sampled_from(REQUIREMENTS)),
                     "places": (places := draw(st.sampled_from([0, 1, 1, 2, 3]))), "reserved": draw(st.integers(0, places))} for _ in range(m)],
        "applicants": draw(st.lists(applicants(m), min_size=2, max_size=14)),
    }


def create(spec: dict[str, Any], world, condition) -> Call:
    """The call the spec describes, written straight to the tables a round reads."""
    now = timezone.now()
    programmes = [Programme.objects.create(code=f"P{i}", title_en=f"Programme {i}", isced_code="0714") for i in range(2)]
    call = Call.objects.create(
        owner=world.a, title="Generated call", mobility_type="student_internship", academic_year=2026,
        deadline=now - dt.timedelta(days=1), max_choices=5, min_year_of_study=spec["min_year"], min_grade=spec["min_grade"],
        language=spec["language"][0], language_framework=spec["language"][1], language_min_level=spec["language"][2],
        weight_grade=spec["weights"][0], weight_language=spec["weights"][1], weight_motivation=spec["weights"][2],
        weight_interview=spec["weights"][3], lottery_seed=spec["seed"], state="closed")
    call.eligible_programmes.set([programmes[i] for i in spec["programmes"]])
    options = []
    for o in spec["options"]:
        if o["source"] == "condition":
            options.append(CallOption.objects.create(call=call, condition=condition, host=world.c, places=o["places"],
                                                     reserved_inclusion=o["reserved"]))
            continue
        language, framework, level = o["language"]
        offer = InternshipOffer.objects.create(
            host=world.c, title="Offer", tasks="Tasks", city="Tianjin", start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 5, 31),
            places=9, isced_code="0714", language=language, language_framework=framework, language_min_level=level, state="published")
        options.append(CallOption.objects.create(call=call, offer=offer, host=world.c, places=o["places"], reserved_inclusion=o["reserved"]))
    earlier = PlacementRound.objects.create(call=call, number=1, state="published")
    for i, a in enumerate(spec["applicants"]):
        user = User.objects.create(username=f"generated{i}", accessibility_consent_at=now if a["consent"] else None)
        LanguageCertificate.objects.bulk_create([LanguageCertificate(user=user, language=c[0], framework=c[1], level=c[2])
                                                 for c in a["certificates"]])
        application = Application.objects.create(
            call=call, applicant=user, programme=None if a["programme"] is None else programmes[a["programme"]],
            year_of_study=a["year"], grade=a["grade"], motivation_score=a["motivation"], interview_score=a["interview"],
            share_accessibility_needs=a["share"], state=a["state"])
        Choice.objects.bulk_create([Choice(application=application, option=options[j], rank=r) for j, r in zip(a["options"], a["ranks"])])
        for d in a["declined"]:  # the host declined her in an earlier round: this round leaves that choice out
            option = options[a["options"][d]]
            outcome = PlacementOutcome.objects.create(round=earlier, application=application, option=option)
            Nomination.objects.create(outcome=outcome, application=application, option=option, host=world.c, state="declined")
    return Call.objects.get(pk=call.pk)  # as the worker reads it (a minimum grade of 50 reads back as 50.00)


def assert_same_instance(got: placement.Instance, want: placement.Instance) -> None:
    for name in FIELDS:
        a, b = getattr(got, name), getattr(want, name)
        if isinstance(b, np.ndarray):
            assert np.array_equal(a, b) and a.dtype == b.dtype, name
        else:
            assert a == b, name


def round_matches_reference(call: Call) -> None:
    inst, outcomes, cutoffs, stats = reference_outcomes(call)
    data = load_round_input(call)
    assert_same_instance(data.instance, inst)
    # the explanations' text is exactly json.dumps of the reference's items
    placed, texts = explanation_texts(data, placement.solve(data.instance))
    for application_id, option_id, text in zip(data.application_ids.tolist(), placed, texts):
        assert option_id == outcomes[application_id][0]
        assert text == json.dumps(outcomes[application_id][1], separators=(",", ":"), ensure_ascii=False)
    # and the round stores what the reference computes
    placement_round = PlacementRound.objects.create(call=call, number=2)
    round_services.round_execute(round_id=placement_round.pk)
    placement_round.refresh_from_db()
    assert placement_round.state == "dry_run"
    assert {o.application_id: (o.option_id, o.explanations) for o in placement_round.outcomes.all()} == outcomes
    assert placement_round.cutoffs == cutoffs
    assert {k: v for k, v in placement_round.stats.items() if k != "seconds"} == {k: v for k, v in stats.items() if k != "seconds"}


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=calls())
def test_the_database_path_builds_the_reference_instance_and_stores_the_reference_result(spec, world, agreement_ac_in_effect):
    condition = agreement_ac_in_effect.conditions.get()
    with transaction.atomic():  # each generated call is rolled back before the next one
        round_matches_reference(create(spec, world, condition))
        transaction.set_rollback(True)


def test_a_call_without_options_or_applications_gives_an_empty_round(world):
    call = Call.objects.create(owner=world.a, title="Empty", mobility_type="student_internship", academic_year=2026,
                               deadline=timezone.now(), lottery_seed=1, state="closed")
    round_matches_reference(call)
