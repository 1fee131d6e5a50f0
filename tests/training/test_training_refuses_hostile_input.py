"""Training pages refuse hostile values with a 4xx and write nothing: feedback is no longer cut to 4,000
characters and stored, and attendance is not rewritten from boxes that name nobody."""

import pytest

from ortaq.training import services
from ortaq.training.models import Assessment, Attendance, Cohort, Feedback


@pytest.fixture
def enrolled(world, cohort, people):
    trainer, manager_a, _manager_b = people
    enrolment = services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_a)
    return services.enrolment_decide(actor=trainer, enrolment=enrolment, enrol=True)


@pytest.mark.parametrize("text", ["x" * 100_000, "a\x00b", "\x1b[31mred", "  "])
def test_feedback_of_a_book_or_with_control_characters_is_refused_not_truncated(client, world, cohort, people, enrolled, text):
    _trainer, manager_a, _ = people
    client.force_login(manager_a)
    response = client.post(f"/en/training/{cohort.pk}/feedback/", {"session": cohort.sessions.first().pk, "text": text})
    assert response.status_code == 422
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("present", [["abc"], [str(10**30)], ["ENROLMENT", "-1"]])
def test_attendance_naming_nobody_enrolled_is_refused_and_marks_nobody(client, world, cohort, people, enrolled, present):
    trainer, *_ = people
    client.force_login(trainer)
    present = [str(enrolled.pk) if p == "ENROLMENT" else p for p in present]
    response = client.post(f"/en/training/{cohort.pk}/attendance/", {"session": cohort.sessions.first().pk, "present": present})
    assert response.status_code == 422
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("data", [{"enrolment": "abc"}, {"kind": "final_project", "title": "x" * 100_000}, {"kind": "final_project", "score-analysis": "NaN"}])
def test_an_assessment_with_hostile_values_is_refused(client, world, cohort, people, enrolled, data):
    trainer, *_ = people
    client.force_login(trainer)
    scores = {f"score-{c['code']}": "10" for c in cohort.rubric}
    response = client.post(f"/en/training/{cohort.pk}/assess/", {"enrolment": enrolled.pk, "kind": "final_project", "title": "Plan", **scores, **data})
    assert response.status_code == 422
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("data", [{"sessions": "0001-01-01 10:00 | Year one"}, {"start_date": "0001-01-01"}, {"location": "x" * 300}, {"capacity": str(10**30)}])
def test_a_cohort_with_hostile_values_is_shown_again_with_errors(client, world, course, people, data):
    trainer, *_ = people
    client.force_login(trainer)
    before = Cohort.objects.count()
    base = {"course": course.pk, "title": "Autumn", "format": "blended", "language": "ru", "start_date": "2026-10-01", "end_date": "2026-12-01", "capacity": "20"}
    response = client.post("/en/training/new/", base | data)
    assert response.status_code == 422
    assert Cohort.objects.count() == before
