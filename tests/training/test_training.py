import datetime as dt

import pytest
from django.utils import timezone

from ortaq.credentials.models import IssuedCredential
from ortaq.credentials.verification import verify_document
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.training import selectors, services
from ortaq.training.models import Cohort, EnrolmentState
from tests.training.conftest import full_scores


def rate(value: str, framework: str = "unesco_ai_teachers") -> dict:
    from ortaq.engines import frameworks as fw

    return {e.code: value for e in fw.competency_framework(framework).elements}


def test_only_trainers_create_cohorts(world, course):
    import datetime as dt

    with pytest.raises(Forbidden):
        services.cohort_create(actor=world["coordinator_a"], course=course, title="X", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 2, 1), capacity=5)


def test_a_college_nominates_only_its_own_managers(world, cohort, people):
    trainer, manager_a, manager_b = people
    assert services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_a).institution == world.a
    with pytest.raises(Forbidden):
        services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_b)
    with pytest.raises(DomainError):
        services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_a)


def test_trainers_enrol_within_capacity(world, cohort, people):
    from tests.conftest import make_user

    trainer, manager_a, manager_b = people
    extra = make_user("manager_a2", (world.a, "manager_in_training"))
    enrolments = [services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=m) for m in (manager_a, extra)]
    enrolments.append(services.nominate(actor=world["coordinator_b"], cohort=cohort, manager=manager_b))
    with pytest.raises(Forbidden):
        services.enrolment_decide(actor=world["coordinator_a"], enrolment=enrolments[0], enrol=True)
    services.enrolment_decide(actor=trainer, enrolment=enrolments[0], enrol=True)
    services.enrolment_decide(actor=trainer, enrolment=enrolments[1], enrol=True)
    with pytest.raises(DomainError) as error:
        services.enrolment_decide(actor=trainer, enrolment=enrolments[2], enrol=True)
    assert error.value.code == "full"


@pytest.fixture
def enrolled(world, cohort, people):
    trainer, manager_a, manager_b = people
    enrolment = services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_a)
    services.enrolment_decide(actor=trainer, enrolment=enrolment, enrol=True)
    return enrolment


def test_completion_needs_attendance_and_passed_work_then_issues_an_aligned_micro_credential(world, cohort, people, enrolled):
    trainer, manager_a, _ = people
    sessions = list(cohort.sessions.all())
    for session in sessions[:3]:
        services.attendance_record(actor=trainer, session=session, enrolment=enrolled, present=True)
    with pytest.raises(DomainError) as error:
        services.completion_decide(actor=trainer, enrolment=enrolled)
    assert "60%" in str(error.value.message) and "final project" in str(error.value.message)
    services.attendance_record(actor=trainer, session=sessions[3], enrolment=enrolled, present=True)
    with pytest.raises(ValidationFailed):
        services.assessment_record(actor=trainer, enrolment=enrolled, kind="final_project", title="AI plan", scores=full_scores(30))
    services.assessment_record(actor=trainer, enrolment=enrolled, kind="final_project", title="AI plan", scores=full_scores(20))
    enrolment = services.completion_decide(actor=trainer, enrolment=enrolled)
    assert enrolment.state == EnrolmentState.COMPLETED
    credential = IssuedCredential.objects.get(holder=manager_a, kind="training")
    alignments = credential.document["credentialSubject"]["achievement"]["alignment"]
    assert {a["targetCode"] for a in alignments} == {"ethics", "leadership"}
    assert credential.document["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    assert verify_document(credential.document)["verified"] is True


def test_a_failed_final_project_blocks_completion(world, cohort, people, enrolled):
    trainer, *_ = people
    for session in cohort.sessions.all():
        services.attendance_record(actor=trainer, session=session, enrolment=enrolled, present=True)
    services.assessment_record(actor=trainer, enrolment=enrolled, kind="final_project", title="Plan", scores=full_scores(10))
    with pytest.raises(DomainError):
        services.completion_decide(actor=trainer, enrolment=enrolled)
    services.cohort_set_state(actor=trainer, cohort=cohort, state="completed")
    enrolled.refresh_from_db()
    services.completion_decide(actor=trainer, enrolment=enrolled)
    enrolled.refresh_from_db()
    assert enrolled.state == EnrolmentState.NOT_COMPLETED


def test_the_manager_sees_growth_per_area_and_the_cohort_report_aggregates_without_names(world, cohort, people, enrolled):
    trainer, manager_a, _ = people
    with pytest.raises(ValidationFailed):
        services.self_assessment_submit(actor=manager_a, enrolment=enrolled, phase="before", framework="unesco_ai_teachers", ratings={"ethics": "1"})
    with pytest.raises(Forbidden):
        services.self_assessment_submit(actor=trainer, enrolment=enrolled, phase="before", framework="unesco_ai_teachers", ratings=rate("1"))
    services.self_assessment_submit(actor=manager_a, enrolment=enrolled, phase="before", framework="unesco_ai_teachers", ratings=rate("1"))
    services.self_assessment_submit(actor=manager_a, enrolment=enrolled, phase="after", framework="unesco_ai_teachers", ratings=rate("3"))
    growth = selectors.growth(enrolled)
    assert len(growth) == 5 and all((r["before"], r["after"]) == (1, 3) for r in growth)
    report = selectors.cohort_report(actor=trainer, cohort=cohort)
    assert [part["key"] for part in report["parts"]] == ["all"]
    assert [a["growth"] for a in report["parts"][0]["areas"]] == [2.0] * 5
    assert "manager_a" not in str(report)


def test_who_sees_which_participants(world, cohort, people, enrolled):
    trainer, manager_a, manager_b = people
    other = services.nominate(actor=world["coordinator_b"], cohort=cohort, manager=manager_b)
    assert set(selectors.enrolments_visible(actor=trainer, cohort=cohort)) == {enrolled, other}
    assert list(selectors.enrolments_visible(actor=world["coordinator_a"], cohort=cohort)) == [enrolled]
    assert list(selectors.enrolments_visible(actor=world["analyst"], cohort=cohort)) == []
    assert selectors.cohort_get(actor=world["analyst"], pk=cohort.pk) == cohort  # aggregates only
    assert selectors.cohort_get(actor=world["student_a"], pk=cohort.pk) is None


def test_the_cohort_page_shows_aggregates_to_the_ministry_but_no_names(client, world, cohort, people, enrolled):
    client.force_login(world["analyst"])
    page = client.get(f"/en/training/{cohort.pk}/").content.decode()
    assert "Cohort report (aggregated)" in page and "Manager_A" not in page
    assert client.get(f"/en/training/{cohort.pk}/report.csv").status_code == 200


def test_the_report_by_college_shows_each_college_only_its_own_figures(client, world, cohort, people, enrolled):
    trainer, manager_a, manager_b = people
    services.nominate(actor=world["coordinator_b"], cohort=cohort, manager=manager_b)
    rows_a = selectors.institution_report(actor=world["coordinator_a"])
    assert [(r["institution"], r["nominated"], r["enrolled"]) for r in rows_a] == [(world.a, 1, 1)]
    assert {r["institution"] for r in selectors.institution_report(actor=world["analyst"])} == {world.a, world.b}
    client.force_login(world["coordinator_a"])
    assert "College A" in client.get("/en/training/report/?format=csv").content.decode("utf-8-sig")
    client.force_login(world["student_a"])
    assert client.get("/en/training/report/").status_code == 403
    assert client.get("/en/training/catalogue/").status_code == 200


def _dates(cohort, start: int, end: int) -> None:
    """Move the cohort to start and end that many days from today."""
    today = timezone.localdate()
    Cohort.objects.filter(pk=cohort.pk).update(start_date=today + dt.timedelta(days=start), end_date=today + dt.timedelta(days=end))
    cohort.refresh_from_db()


def test_the_closing_self_assessment_opens_in_the_cohorts_last_part_not_at_its_start(client, world, cohort, people, enrolled):
    trainer, manager_a, _ = people
    services.cohort_set_state(actor=trainer, cohort=cohort, state="running")
    _dates(cohort, -10, 50)  # 60 days: the last part is its last 15
    enrolled.cohort = cohort
    with pytest.raises(DomainError) as error:
        services.self_assessment_submit(actor=manager_a, enrolment=enrolled, phase="after", framework="unesco_ai_teachers", ratings=rate("3"))
    assert error.value.code == "too_early"
    client.force_login(manager_a)
    assert "self-assessment/after/" not in client.get(f"/en/training/{cohort.pk}/").text
    _dates(cohort, -50, 10)
    enrolled.cohort = cohort
    assert services.self_assessment_submit(actor=manager_a, enrolment=enrolled, phase="after", framework="unesco_ai_teachers", ratings=rate("3")).phase == "after"
    assert "self-assessment/after/unesco_ai_teachers" in client.get(f"/en/training/{cohort.pk}/").text


def test_a_cohort_whose_dates_are_past_accepts_the_closing_self_assessment_whatever_its_state(client, world, cohort, people, enrolled):
    _trainer, manager_a, _ = people
    _dates(cohort, -70, -10)
    assert cohort.state == "planned"  # the trainer never moved it on
    client.force_login(manager_a)
    response = client.post(f"/en/training/{cohort.pk}/self-assessment/after/unesco_ai_teachers/", rate("3"))
    assert response.status_code == 302
    assert enrolled.self_assessments.get(phase="after").ratings == rate("3")


def test_the_last_part_of_a_short_cohort_is_at_least_its_last_week():
    today = dt.date(2026, 12, 3)
    one_day = Cohort(start_date=today, end_date=today)
    month = Cohort(start_date=dt.date(2026, 11, 1), end_date=dt.date(2026, 11, 30))
    assert selectors.after_opens_on(one_day) == today
    assert selectors.after_opens_on(month) == dt.date(2026, 11, 23)
    assert not selectors.after_is_open(month, today=dt.date(2026, 11, 22)) and selectors.after_is_open(month, today=dt.date(2026, 11, 23))
