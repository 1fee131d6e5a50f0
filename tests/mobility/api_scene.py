"""A whole mobility, built through the services, for the API's tests (tests/mobility/test_api.py) and the
API's hostile-input and fuzzing scene (tests/web/api_operations.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ortaq.mobility import during, round_services, services
from ortaq.mobility.models import Nomination, Party
from tests.mobility.conftest import application_input, close, students
from tests.mobility.test_during_mobility import components


def build_journey(world, call, enterprise, outcome=None, learner=None):
    """Two applicants to `call`: one placed at the enterprise (accepted, agreement signed, a past week logged),
    one placed at C (pending); then a second round left as a dry run. Returns what the operations name."""
    company, supervisor = enterprise
    first, second = students(world, 2, start=50)
    first = learner or first
    offer_option = call.options.get(offer__isnull=False)
    condition_option = call.options.get(condition__isnull=False)
    services.application_save(actor=first, call=call, application=application_input(year_of_study=2, grade="90"), option_ids=[offer_option.pk], submit=True)
    services.application_save(actor=second, call=call, application=application_input(year_of_study=2, grade="80"), option_ids=[condition_option.pk], submit=True)
    close(call)
    placement_round = round_services.round_request(actor=world["coordinator_a"], call=call)
    round_services.round_execute(round_id=placement_round.pk)
    placement_round.refresh_from_db()
    round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    accepted = Nomination.objects.get(host=company)
    round_services.nomination_decide(actor=supervisor, nomination=accepted, accept=True)
    accepted.refresh_from_db()
    today = timezone.localdate()
    start = today - dt.timedelta(days=today.weekday() + 28)  # a Monday four weeks ago
    agreement = during.mobility_agreement_create(actor=first, nomination=accepted, start_date=start, end_date=start + dt.timedelta(days=90),
                                                 components=components(outcome.pk if outcome else None))
    during.mobility_agreement_sign(actor=first, agreement=agreement, party=Party.LEARNER)
    during.mobility_agreement_sign(actor=world["coordinator_a"], agreement=agreement, party=Party.SENDING)
    during.mobility_agreement_sign(actor=supervisor, agreement=agreement, party=Party.RECEIVING)
    agreement.refresh_from_db()
    entry = during.logbook_submit(actor=first, agreement=agreement, week_start=start, hours="30", description="Wired cabinets")
    dry_run = round_services.round_request(actor=world["coordinator_a"], call=call)
    round_services.round_execute(round_id=dry_run.pk)
    dry_run.refresh_from_db()
    pending = Nomination.objects.get(host=world.c)
    return {"call": call, "learner": first, "supervisor": supervisor, "published": placement_round, "dry_run": dry_run,
            "pending": pending, "agreement": agreement, "entry": entry, "start": start, "second": second,
            "week": (start + dt.timedelta(days=7)).isoformat()}


def mobility_scene(world) -> dict:
    """Without fixtures: an agreement A–C in effect, an enterprise's published offer, one open call where
    student_a has submitted an application, and a second call through a published round (build_journey)."""
    from ortaq.agreements import services as agreement_services
    from ortaq.programmes import services as programme_services
    from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails
    from tests.conftest import agreement_terms, condition_terms, make_institution, make_user
    from tests.mobility.conftest import call_input, offer_input

    agreement = agreement_services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(title="A–C mobility"), initiator=world.a, parties=[world.c])
    agreement_services.condition_add(actor=world["coordinator_a"], agreement=agreement, terms=condition_terms(world.a, world.c, places_per_year=3))
    agreement_services.agreement_propose(actor=world["coordinator_a"], agreement=agreement)
    agreement_services.agreement_approve(actor=world["coordinator_a"], agreement=agreement, institution=world.a)
    agreement_services.agreement_approve(actor=world["coordinator_c"], agreement=agreement, institution=world.c)
    agreement_services.agreement_put_into_effect(actor=world["coordinator_a"], agreement=agreement)
    agreement.refresh_from_db()  # the condition reads its agreement through this instance
    condition = agreement.conditions.get()
    company = make_institution("Zhilian Equipment", country="CN", kind="enterprise")
    supervisor = make_user("supervisor_e", (company, "company_supervisor"))
    offer = services.offer_publish(actor=supervisor, offer=services.offer_create(actor=supervisor, host=company, offer=offer_input()))
    calls = []
    for title in ("Open call", "Placed call"):
        call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(title=title))
        services.call_option_add(actor=world["coordinator_a"], call=call, condition=condition, places=1)
        services.call_option_add(actor=world["coordinator_a"], call=call, offer=offer, places=1)
        services.call_open(actor=world["coordinator_a"], call=call)
        call.refresh_from_db()
        calls.append(call)
    open_call, placed_call = calls
    application = services.application_save(actor=world["student_a"], call=open_call, application=application_input(year_of_study=2, grade="85"),
                                             option_ids=[open_call.options.get(offer__isnull=False).pk], submit=True)
    programme = programme_services.programme_create(actor=world["registrar_a"], details=ProgrammeDetails(code="P-MOB", title_en="Mechatronics", isced_code="0714"), awarding=[world.a])
    module = programme_services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    outcome = programme_services.outcome_add(actor=world["registrar_a"], module=module, outcome=OutcomeText(code="LO1", text_en="Programs a PLC", text_ru="Программирует ПЛК"))
    return {"open_call": open_call, "application": application, "outcome": outcome, **build_journey(world, placed_call, (company, supervisor), outcome, learner=world["student_a"])}
