import datetime as dt

import pytest

from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ModuleDetails, ProgrammeDetails
from tests.conftest import make_institution, make_user


@pytest.fixture
def joint_programme(world):
    """A dual-qualification programme awarded by a joint college, college A and partner C."""
    joint = make_institution("Joint College", kind="joint_college")
    registrar = make_user("registrar_joint", (joint, "registrar"))
    programme = programme_services.programme_create(
        actor=registrar, details=ProgrammeDetails(code="JP-0714", title_en="Mechatronics", title_kk="Мехатроника", title_zh="机电一体化", title_ru="Мехатроника", isced_code="0714", eqf_level="5", kz_nqf_level="5"),
        awarding=[joint, world.a, world.c],
    )
    programme_services.module_add(actor=registrar, programme=programme, module=ModuleDetails(code="PLC", title_en="PLC", credits=6))
    graduates = [make_user(f"graduate{i}", (world.a, "student")) for i in range(3)]
    graduates[0].full_name, graduates[0].full_name_latin = "Дана Серікқызы", "Dana Serikkyzy"
    graduates[0].save()
    return programme, joint, registrar, graduates


@pytest.fixture
def issued(world, joint_programme, django_capture_on_commit_callbacks):
    from ortaq.credentials import services

    programme, joint, registrar, graduates = joint_programme
    batch = services.batch_request(actor=registrar, programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))
    second = make_user("registrar_joint_second", (joint, "registrar"))  # four eyes: another registrar approves
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_approve(actor=second, batch=batch)
    batch.refresh_from_db()
    return batch, programme, joint, registrar, graduates
