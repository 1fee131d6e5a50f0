"""The reference for a placement round: readable, slow, and the definition the fast path must meet.

`build_instance` walks ORM objects and writes the engine's JSON instance (docs/placement.md) the obvious
way; `reference_outcomes` runs it through `load_instance` and `solve` and turns the engine's result into
what a round stores. src/ortaq/mobility/round_input.py and round_outcomes.py do the same from arrays, fast
enough for 200,000 applications; test_round_oracle.py and `bench/placement_round.py --verify` check that
both give identical instances and identical outcomes, explanations, cutoffs and stats.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Prefetch

from ortaq.accounts.models import LanguageCertificate
from ortaq.engines import placement
from ortaq.mobility import eligibility
from ortaq.mobility.models import Application, ApplicationState, Call, Choice, Nomination, NominationState

INCLUSION = "inclusion"


def _applications(call: Call):
    return (
        Application.objects.filter(call=call, state=ApplicationState.SUBMITTED)
        .select_related("applicant")
        .prefetch_related(
            Prefetch("choices", queryset=Choice.objects.select_related("option__condition", "option__offer").order_by("rank")),
            Prefetch("applicant__language_certificates", queryset=LanguageCertificate.objects.order_by("id")),
        )
        .order_by("id")
    )


def build_instance(call: Call) -> tuple[dict[str, Any], dict[int, dict[int, list[str]]]]:
    """The engine instance for a call, and the eligibility reasons per application and option."""
    programme_ids = set(call.eligible_programmes.values_list("pk", flat=True))
    declined = set(Nomination.objects.filter(application__call=call, state=NominationState.DECLINED).values_list("application_id", "option_id"))
    applicants, reasons = [], {}
    options = list(call.options.order_by("id"))
    acceptable: dict[int, dict[str, int]] = {o.pk: {} for o in options}
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
            acceptable[option.pk][application.engine_id] = score
        consented = application.share_accessibility_needs and application.applicant.accessibility_consent_at
        applicants.append({"id": application.engine_id, "preferences": preferences, "categories": [INCLUSION] if consented else []})
    placements = []
    for option in options:
        entry: dict[str, Any] = {"id": option.engine_id, "capacity": option.places, "priorities": acceptable[option.pk]}
        if option.reserved_inclusion:
            entry["reserved"] = [{"category": INCLUSION, "seats": option.reserved_inclusion}]
        placements.append(entry)
    instance = {"applicants": applicants, "placements": placements,
                "options": {"lottery_seed": call.lottery_seed, "tie_breaking": "single", "categories": [INCLUSION]}}
    return instance, reasons


def reference_outcomes(call: Call) -> tuple[placement.Instance, dict[int, tuple[int | None, list[dict]]], dict, dict]:
    """The engine instance, {application id: (option id or None, explanations)}, cutoffs and stats of a round."""
    instance, reasons = build_instance(call)
    inst = placement.load_instance(instance, kernel="numpy")
    result = placement.solve(inst).as_dict()
    option_ids = {f"o{o}": o for o in call.options.values_list("pk", flat=True)}
    outcomes = {}
    for engine_id, placed in result["matching"].items():
        application_id = int(engine_id[1:])
        explanations = []
        for item in result["explanations"].get(engine_id, []):
            option_id = option_ids[item["placement"]]
            why = reasons.get(application_id, {}).get(option_id)
            explanations.append({"option": option_id, "reason": "not_eligible" if why else item["reason"], "details": why or [],
                                 **({"rank": item["rank"]} if "rank" in item else {})})
        outcomes[application_id] = (option_ids[placed] if placed else None, explanations)
    cutoffs = {str(option_ids[k]): v for k, v in result["cutoffs"].items()}
    return inst, outcomes, json.loads(json.dumps(cutoffs)), result["stats"]
