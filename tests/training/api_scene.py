"""A training cohort with a nominee and an enrolled participant, built through the services, for the API's
hostile-input and fuzzing scene (tests/web/api_operations.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ortaq.accounts.models import Membership
from ortaq.training import services
from ortaq.training.models import Course, TrainingProgramme
from tests.conftest import make_user


def training_scene(world) -> dict:
    """Partner C's course and a planned cohort that C's teacher runs as its trainer; College A's teacher, also a
    manager in training, is enrolled, `manager_a2` nominated (to enrol) and `manager_a` not yet nominated.
    The callers are logins `world` already has (teacher_c, teacher_a), given these roles here: the hostile and
    fuzzing tests make their token before they build the scene, and roles are read on each request."""
    Membership.objects.create(user=world["teacher_c"], institution=world.c, role="trainer")
    Membership.objects.create(user=world["teacher_a"], institution=world.a, role="manager_in_training")
    programme = TrainingProgramme.objects.create(code="AI-API", title_en="AI in education management", provider=world.c)
    course = Course.objects.create(programme=programme, code="AI-API-1", title_en="Data-driven management", hours=36,
                                   competences=["digcomporg:leadership"])
    manager, nominee = (make_user(name, (world.a, "manager_in_training")) for name in ("manager_a", "manager_a2"))
    trainer = world["teacher_c"]
    cohort = services.cohort_create(actor=trainer, course=course, title="API cohort", start_date=dt.date(2026, 3, 2),
                                    end_date=dt.date(2026, 4, 30), capacity=5,
                                    sessions=[(timezone.make_aware(dt.datetime(2026, 3, 2, 10)), "Opening")])
    nominated = services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=nominee)
    enrolled = services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=world["teacher_a"])
    services.enrolment_decide(actor=trainer, enrolment=enrolled, enrol=True)
    return {"course": course, "cohort": cohort, "nominated": nominated, "enrolled": enrolled, "manager_a": manager}
