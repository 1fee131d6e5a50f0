import datetime as dt

import pytest
from django.utils import timezone

from ortaq.accounts.models import LanguageCertificate
from ortaq.agreements import services as agreement_services
from ortaq.mobility import services
from ortaq.mobility.forms import ApplicationForm, CallForm, OfferForm
from ortaq.mobility.models import Call
from ortaq.mobility.types import ApplicationInput, CallInput, OfferInput
from tests.conftest import agreement_terms, condition_terms, make_institution, make_user


@pytest.fixture
def agreement_ac_in_effect(world):
    """A and C agreed: 3 internship places a year from A to C (HSK 3 needed), 2 from A to B-side? no: A→C only."""
    agreement = agreement_services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(), initiator=world.a, parties=[world.c])
    agreement_services.condition_add(actor=world["coordinator_a"], agreement=agreement, terms=condition_terms(world.a, world.c, places_per_year=3, language_min_level="3"))
    agreement_services.agreement_propose(actor=world["coordinator_a"], agreement=agreement)
    agreement_services.agreement_approve(actor=world["coordinator_a"], agreement=agreement, institution=world.a)
    agreement_services.agreement_approve(actor=world["coordinator_c"], agreement=agreement, institution=world.c)
    agreement_services.agreement_put_into_effect(actor=world["coordinator_a"], agreement=agreement)
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def enterprise(world):
    company = make_institution("Zhilian Equipment", country="CN", kind="enterprise")
    supervisor = make_user("supervisor_e", (company, "company_supervisor"))
    return company, supervisor


@pytest.fixture
def published_offer(world, enterprise):
    company, supervisor = enterprise
    offer = services.offer_create(actor=supervisor, host=company, offer=offer_input())
    return services.offer_publish(actor=supervisor, offer=offer)


def offer_input(**overrides) -> OfferInput:
    """An offer as the host's form reads it (values written as a browser sends them)."""
    data = {"title": "PLC technician intern", "tasks": "Commission PLC cabinets", "city": "Tianjin", "start_date": "2026-03-01",
            "end_date": "2026-05-31", "places": 2, "isced_code": "0714"} | overrides
    form = OfferForm(data=data)
    assert form.is_valid(), form.errors
    return form.to_input()


def call_input(**overrides) -> CallInput:
    """A call as the coordinator's form reads `call_data(**overrides)`."""
    form = CallForm(data=call_data(**overrides))
    assert form.is_valid(), form.errors
    return form.to_input()


def application_input(**data) -> ApplicationInput:
    """An applicant's answers as the application form reads them."""
    form = ApplicationForm(data=data)
    assert form.is_valid(), form.errors
    return form.to_input()


def call_data(**overrides) -> dict:
    data = {"title": "Internships 2026", "mobility_type": "student_internship", "academic_year": 2026,
            "deadline": (timezone.now() + dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M"), "max_choices": 3,
            "ranking_rule": "points", "weight_grade": 60, "weight_language": 20, "weight_motivation": 10, "weight_interview": 10,
            "lottery_seed": 20260901}
    data.update(overrides)
    return data


@pytest.fixture
def open_call(world, agreement_ac_in_effect, published_offer):
    call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input())
    condition = agreement_ac_in_effect.conditions.get()
    services.call_option_add(actor=world["coordinator_a"], call=call, condition=condition, places=2)
    services.call_option_add(actor=world["coordinator_a"], call=call, offer=published_offer, places=1)
    services.call_open(actor=world["coordinator_a"], call=call)
    call.refresh_from_db()
    return call


def students(world, n: int, start: int = 0) -> list:
    people = []
    for i in range(start, start + n):
        person = make_user(f"applicant{i}", (world.a, "student"))
        LanguageCertificate.objects.create(user=person, language="zh", framework="hsk", level=str(3 + i % 3))
        people.append(person)
    return people


def close(call: Call) -> None:
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    call.refresh_from_db()


def apply_all(call: Call, people, grades) -> tuple[list, object, object]:
    """Each person applies with a grade, ranking the call's condition option first and its offer option second."""
    condition_option = call.options.get(condition__isnull=False)
    offer_option = call.options.get(offer__isnull=False)
    applications = []
    for person, grade in zip(people, grades):
        applications.append(services.application_save(actor=person, call=call, application=application_input(year_of_study=2, grade=str(grade), motivation="x"),
                                                      option_ids=[condition_option.pk, offer_option.pk], submit=True))
    return applications, condition_option, offer_option
