"""A graduating cohort of a joint programme, built without the `world` fixture (so it works on shared_db)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ortaq.accounts.models import Role
from ortaq.credentials import services
from ortaq.credentials.models import IssuanceBatch
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ProgrammeDetails
from tests.conftest import make_institution, make_user


@dataclass
class Cohort:
    programme: object
    requester: object  # the registrar who prepares the batch
    approvers: list  # two other registrars, who may approve it
    graduates: list


def make_cohort(size: int) -> Cohort:
    joint = make_institution("Joint College", kind="joint_college")
    college = make_institution("College A")
    partner = make_institution("Partner C", country="CN")
    requester, *approvers = [make_user(f"registrar{i}", (joint, Role.REGISTRAR)) for i in range(3)]
    programme = programme_services.programme_create(
        actor=requester, details=ProgrammeDetails(code="JP-0714", title_en="Mechatronics", title_zh="机电一体化", isced_code="0714", eqf_level="5", kz_nqf_level="5"),
        awarding=[joint, college, partner])
    graduates = [make_user(f"graduate{i:03d}", (college, Role.STUDENT)) for i in range(size)]
    return Cohort(programme=programme, requester=requester, approvers=approvers, graduates=graduates)


def request_batch(cohort: Cohort) -> IssuanceBatch:
    return services.batch_request(actor=cohort.requester, programme=cohort.programme, holders=cohort.graduates,
                                  graduation_date=dt.date(2026, 6, 30))
