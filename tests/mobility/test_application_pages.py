"""The application actions that only a page drives: the applicant withdraws on the call page, the call's
coordinator scores an application and exports the applications. Each done by the person allowed (the effect is in
the database and on the page or file) and tried from another institution (refused, nothing written)."""

from __future__ import annotations

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.mobility import services
from ortaq.mobility.models import Application, ApplicationState
from tests.mobility.conftest import application_input, students


@pytest.fixture
def application(world, open_call):
    [person] = students(world, 1)
    options = list(open_call.options.order_by("id").values_list("pk", flat=True))
    return services.application_save(actor=person, call=open_call, application=application_input(year_of_study=2, grade="80"), option_ids=options, submit=True)


def test_the_applicant_withdraws_on_the_call_page(client, open_call, application):
    client.force_login(application.applicant)
    response = client.post(f"/en/mobility/calls/{open_call.pk}/application/withdraw/", follow=True)
    assert response.redirect_chain[-1][0] == f"/en/mobility/calls/{open_call.pk}/"
    assert "Your application has been withdrawn." in response.text
    assert Application.objects.get(pk=application.pk).state == ApplicationState.WITHDRAWN
    assert AuditEvent.objects.filter(object_type="mobility.application", object_id=str(application.pk), after={"state": "withdrawn"}).count() == 1


@pytest.mark.parametrize("who", ["student_a", "student_b", "coordinator_a"])
def test_nobody_withdraws_an_application_that_is_not_theirs(client, world, open_call, application, who):
    client.force_login(world[who])
    assert client.post(f"/en/mobility/calls/{open_call.pk}/application/withdraw/").status_code == 404
    assert Application.objects.get(pk=application.pk).state == ApplicationState.SUBMITTED


def test_the_coordinator_scores_an_application_on_the_call_page(client, world, open_call, application):
    client.force_login(world["coordinator_a"])
    response = client.post(f"/en/mobility/calls/{open_call.pk}/applications/{application.pk}/score/", {"motivation_score": "70", "interview_score": "85"}, follow=True)
    assert "Scores saved." in response.text
    application.refresh_from_db()
    assert (application.motivation_score, application.interview_score) == (70, 85)
    event = AuditEvent.objects.get(object_type="mobility.application", object_id=str(application.pk), action="update", actor=world["coordinator_a"])
    assert event.after == {"motivation_score": 70, "interview_score": 85}


@pytest.mark.parametrize("who, status", [("coordinator_b", 404), ("coordinator_c", 404), ("teacher_a", 404)])
def test_only_the_calls_coordinator_scores(client, world, open_call, application, who, status):
    client.force_login(world[who])
    response = client.post(f"/en/mobility/calls/{open_call.pk}/applications/{application.pk}/score/", {"motivation_score": "100", "interview_score": "100"})
    assert response.status_code == status
    application.refresh_from_db()
    assert application.motivation_score is None and application.interview_score is None
    assert not AuditEvent.objects.filter(object_type="mobility.application", action="update").exclude(actor=application.applicant).exists()


def test_the_coordinator_exports_the_applications_as_csv(client, world, open_call, application):
    client.force_login(world["coordinator_a"])
    response = client.get(f"/en/mobility/calls/{open_call.pk}/applications.csv")
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,applicant,applicant_latin,state,receipt")
    assert len(lines) == 2 and lines[1].startswith(f"{application.pk},Applicant0,") and application.receipt in lines[1]


@pytest.mark.parametrize("who, status", [("coordinator_b", 404), ("student_a", 403)])
def test_nobody_else_exports_the_applications(client, world, open_call, application, who, status):
    client.force_login(world[who])
    response = client.get(f"/en/mobility/calls/{open_call.pk}/applications.csv")
    assert response.status_code == status and b"Applicant0" not in response.content
