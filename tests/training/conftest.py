import datetime as dt

import pytest
from django.utils import timezone

from ortaq.training import services
from ortaq.training.models import Course, TrainingProgramme
from tests.conftest import make_user


@pytest.fixture
def course(world):
    # Partner C provides the course; its trainer (see `people`) runs the cohort and signs the micro-credentials.
    programme = TrainingProgramme.objects.create(code="AI", title_en="AI in education management", provider=world.c)
    return Course.objects.create(programme=programme, code="AI-101", title_en="Data-driven management", title_ru="Управление на основе данных", hours=36,
                                 competences=["unesco_ai_teachers:ethics", "digcomporg:leadership"])


@pytest.fixture
def people(world):
    trainer = make_user("trainer_x", (world.c, "trainer"))
    manager_a = make_user("manager_a", (world.a, "manager_in_training"))
    manager_b = make_user("manager_b", (world.b, "manager_in_training"))
    return trainer, manager_a, manager_b


@pytest.fixture
def cohort(world, course, people):
    trainer, *_ = people
    sessions = [(timezone.make_aware(dt.datetime(2026, 3, d, 10)), f"Session {d}") for d in (2, 9, 16, 23, 30)]
    return services.cohort_create(actor=trainer, course=course, title="Spring 2026", start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 4, 30),
                                  capacity=2, sessions=sessions)


def full_scores(points: int) -> dict:
    return {"analysis": points, "tools": points, "feasibility": points, "ethics": points}
