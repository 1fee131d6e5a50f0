"""The training REST API: each operation does what the cohort's page does, for the same people only."""

from __future__ import annotations

import json

from django.test import Client

from ortaq.accounts.services import api_token_create
from ortaq.training import services
from ortaq.training.models import Assessment, Cohort, Enrolment, SelfAssessment
from tests.training.conftest import full_scores
from tests.training.test_training import rate


def api(user, method: str, url: str, body=None):
    _token, secret = api_token_create(actor=user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    call = getattr(Client(), method)
    if body is None:
        return call(f"/api/v1/training{url}", **headers)
    return call(f"/api/v1/training{url}", data=json.dumps(body), content_type="application/json", **headers)


def cohort_body(course, **changes) -> dict:
    return {"course_id": course.pk, "title": "Autumn 2026", "format": "online", "language": "kk", "start_date": "2026-09-07",
            "end_date": "2026-10-30", "capacity": 12, "sessions": [{"starts_at": "2026-09-07 10:00", "topic": "Opening"}], **changes}


def test_a_trainer_of_the_provider_creates_a_cohort_and_others_cannot(world, course, people):
    trainer, manager_a, _ = people
    created = api(trainer, "post", "/cohorts/", cohort_body(course))
    assert created.status_code == 201, created.content
    assert created.json()["trainer_ids"] == [trainer.pk] and [s["topic"] for s in created.json()["sessions"]] == ["Opening"]
    assert api(world["coordinator_a"], "post", "/cohorts/", cohort_body(course, title="Intruded")).status_code == 403
    assert api(manager_a, "post", "/cohorts/", cohort_body(course, title="Intruded")).status_code == 403
    assert not Cohort.objects.filter(title="Intruded").exists()


def test_bad_cohort_input_is_refused_with_a_code_and_nothing_is_written(world, course, people):
    trainer = people[0]
    backwards = api(trainer, "post", "/cohorts/", cohort_body(course, end_date="2026-01-01"))
    assert (backwards.status_code, backwards.json()["code"]) == (422, "validation") and "end_date" in backwards.json()["errors"]
    assert api(trainer, "post", "/cohorts/", cohort_body(course, start_date="2026-02-30")).json()["code"] == "validation"
    assert api(trainer, "post", "/cohorts/", cohort_body(course, course_id=10**9)).json()["code"] == "validation"
    assert api(trainer, "post", "/cohorts/", cohort_body(course, capacity="12")).status_code == 422
    assert not Cohort.objects.exists()


def test_cohorts_are_listed_filtered_and_read_as_on_the_pages(world, cohort, people):
    trainer, manager_a, manager_b = people
    listed = api(trainer, "get", f"/cohorts/?provider={world.c.pk}&state=planned&q=spring").json()
    assert [c["id"] for c in listed["items"]] == [cohort.pk]
    assert api(trainer, "get", f"/cohorts/?provider={world.a.pk}").json()["count"] == 0
    assert api(manager_b, "get", "/cohorts/").json()["count"] == 0  # not nominated, not a coordinator
    assert api(manager_b, "get", f"/cohorts/{cohort.pk}").status_code == 404
    services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_a)
    services.nominate(actor=world["coordinator_b"], cohort=cohort, manager=manager_b)
    seen_by_a = api(world["coordinator_a"], "get", f"/cohorts/{cohort.pk}").json()
    assert [e["manager_id"] for e in seen_by_a["enrolments"]] == [manager_a.pk]  # a college sees its own managers only
    assert len(api(trainer, "get", f"/cohorts/{cohort.pk}").json()["enrolments"]) == 2


def test_a_college_nominates_its_own_managers_only_and_once(world, cohort, people):
    trainer, manager_a, manager_b = people
    url = f"/cohorts/{cohort.pk}/nominations"
    assert api(world["coordinator_a"], "post", url, {"manager_id": manager_b.pk}).status_code == 404
    assert not Enrolment.objects.exists()
    nominated = api(world["coordinator_a"], "post", url, {"manager_id": manager_a.pk})
    assert nominated.status_code == 201 and nominated.json()["state"] == "nominated" and nominated.json()["institution_id"] == world.a.pk
    again = api(world["coordinator_a"], "post", url, {"manager_id": manager_a.pk})
    assert (again.status_code, again.json()["code"]) == (400, "duplicate")
    assert Enrolment.objects.count() == 1


def test_the_trainer_enrols_assesses_and_completes_and_others_are_refused(world, cohort, people):
    trainer, manager_a, _ = people
    enrolment = services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_a)
    base = f"/cohorts/{cohort.pk}/enrolments/{enrolment.pk}"
    assert api(world["coordinator_a"], "post", f"{base}/decide", {"decision": "enrol"}).status_code == 403
    assert api(people[2], "post", f"{base}/decide", {"decision": "enrol"}).status_code == 404  # another college's manager does not see it
    assert Enrolment.objects.get(pk=enrolment.pk).state == "nominated"
    assert api(trainer, "post", f"{base}/decide", {"decision": "enrol"}).json()["state"] == "enrolled"
    decided = api(trainer, "post", f"{base}/decide", {"decision": "decline"})
    assert (decided.status_code, decided.json()["code"]) == (400, "state")
    out_of_range = api(trainer, "post", f"{base}/assessments", {"kind": "final_project", "scores": full_scores(1000)})
    assert (out_of_range.status_code, out_of_range.json()["code"]) == (422, "validation")
    assert api(world["coordinator_a"], "post", f"{base}/assessments", {"kind": "final_project", "scores": full_scores(20)}).status_code == 403
    assert not Assessment.objects.exists()
    assessed = api(trainer, "post", f"{base}/assessments", {"kind": "final_project", "title": "Plan", "scores": full_scores(20)})
    assert assessed.status_code == 200 and assessed.json()["passed"] is True
    incomplete = api(trainer, "post", f"{base}/complete")  # no attendance yet
    assert (incomplete.status_code, incomplete.json()["code"]) == (400, "incomplete")
    enrolment.refresh_from_db()
    for session in cohort.sessions.all():
        services.attendance_record(actor=trainer, session=session, enrolment=enrolment, present=True)
    assert api(manager_a, "post", f"{base}/complete").status_code == 403
    completed = api(trainer, "post", f"{base}/complete").json()
    assert completed["state"] == "completed" and completed["credential_id"]


def test_the_manager_submits_her_own_self_assessment_only(world, cohort, people):
    trainer, manager_a, manager_b = people
    services.nominate(actor=world["coordinator_a"], cohort=cohort, manager=manager_a)
    url = f"/cohorts/{cohort.pk}/self-assessment"
    body = {"phase": "before", "framework": "unesco_ai_teachers", "ratings": rate("2")}
    assert api(trainer, "post", url, body).status_code == 404  # a trainer has no self-assessment of their own here
    assert api(manager_b, "post", url, body).status_code == 404
    missing = api(manager_a, "post", url, {**body, "ratings": {"ethics": "2"}})
    assert (missing.status_code, missing.json()["code"]) == (422, "validation")
    assert api(manager_a, "post", url, {**body, "framework": "nonsense"}).json()["code"] == "validation"
    assert not SelfAssessment.objects.exists()
    saved = api(manager_a, "post", url, body)
    assert saved.status_code == 200 and saved.json()["ratings"] == rate("2")
    assert api(manager_a, "post", url, {**body, "ratings": rate("3")}).json()["ratings"] == rate("3")
    assert SelfAssessment.objects.count() == 1  # saved again, not twice


def test_an_enrolment_of_another_cohort_is_not_found_through_this_one(world, course, cohort, people):
    trainer, manager_a, _ = people
    other = services.cohort_create(actor=trainer, course=course, title="Other", start_date=cohort.start_date, end_date=cohort.end_date, capacity=2)
    enrolment = services.nominate(actor=world["coordinator_a"], cohort=other, manager=manager_a)
    response = api(trainer, "post", f"/cohorts/{cohort.pk}/enrolments/{enrolment.pk}/decide", {"decision": "enrol"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert Enrolment.objects.get(pk=enrolment.pk).state == "nominated"
