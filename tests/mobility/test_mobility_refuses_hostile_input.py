"""The mobility's forms and services refuse hostile values with a 4xx and write nothing (they used to reach
`int()`, `Decimal()` or the database raw), and only the learner's own programme's outcomes can be linked."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ortaq.audit.models import AuditEvent
from ortaq.errors import ValidationFailed
from ortaq.mobility import during
from ortaq.mobility.models import Application, ApplicationDocument, LogbookEntry, OutcomeEvaluation, TranscriptEntry
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails
from tests.mobility.test_during_mobility import accepted, components, outcome, signed  # noqa: F401

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def foreign_outcome(world):
    """An outcome of college B's programme: nothing to do with A's learner."""
    programme = programme_services.programme_create(actor=world["registrar_b"], details=ProgrammeDetails(code="PB", title_en="Welding", isced_code="0715"), awarding=[world.b])
    module = programme_services.module_add(actor=world["registrar_b"], programme=programme, module=ModuleDetails(code="W1", title_en="Welding", credits=5))
    return programme_services.outcome_add(actor=world["registrar_b"], module=module, outcome=OutcomeText(code="LO1", text_en="Welds a seam"))


def _post(client, user, url, data):
    client.force_login(user)
    before = AuditEvent.objects.count()
    response = client.post(url, data)
    assert AuditEvent.objects.count() == before, "a refused request wrote to the audit log"
    return response


def test_an_outcome_of_another_programme_cannot_be_linked_to_a_component(world, accepted, foreign_outcome):
    nomination, learner, _supervisor = accepted
    with pytest.raises(ValidationFailed) as error:
        during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31),
                                         components=components(foreign_outcome.pk))
    assert "learner's programme" in error.value.errors["components"][0]


def test_a_proposed_change_cannot_bring_in_an_outcome_of_another_programme_either(world, signed, foreign_outcome):
    agreement, learner, _supervisor = signed
    with pytest.raises(ValidationFailed):
        during.change_propose(actor=learner, agreement=agreement, components=components(foreign_outcome.pk), reason_code="other")
    assert not agreement.proposals.exists()


@pytest.mark.parametrize("credits", ["NaN", "sNaN", "Infinity", "9" * 400, "abc"])
def test_component_credits_that_are_not_numbers_are_refused_row_by_row(world, accepted, credits):
    nomination, learner, _supervisor = accepted
    rows = [{"code": "T1", "title": "Task", "credits": credits, "hours": 10}]
    with pytest.raises(ValidationFailed) as error:
        during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31), components=rows)
    assert error.value.errors["components"][0].startswith("Row 1:")


def test_weekly_hours_that_are_not_a_number_are_refused_not_a_server_error(client, world, accepted):
    nomination, learner, _supervisor = accepted
    response = _post(client, learner, f"/en/mobility/nominations/{nomination.pk}/agreement/",
                     {"start_date": "2026-03-02", "end_date": "2026-05-31", "weekly_hours": "abc", "components": "T1 | Task | 3 | 90 | |"})
    assert response.status_code == 422 and b"Target hours per week must be between 1 and 60." in response.content
    response = _post(client, learner, f"/en/mobility/nominations/{nomination.pk}/agreement/",
                     {"start_date": "0001-01-01", "end_date": "2026-05-31", "components": "T1 | Task | 3 | 90 | |"})
    assert response.status_code == 422


def test_logbook_evidence_is_checked_like_application_documents(world, signed):
    agreement, learner, _supervisor = signed
    script = SimpleUploadedFile("week.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as error:
        during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="30", description="Wiring", evidence=script)
    assert error.value.errors == {"evidence": ["Upload a PDF, JPEG or PNG file."]}
    huge = SimpleUploadedFile("week.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(ValidationFailed) as error:
        during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="30", description="Wiring", evidence=huge)
    assert error.value.errors == {"evidence": ["A document may be at most 5 MB."]}
    assert not LogbookEntry.objects.exists()
    entry = during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="30", description="Wiring",
                                  evidence=SimpleUploadedFile("week.pdf", PDF, content_type="application/pdf"))
    assert entry.evidence.name.endswith(".pdf")


def test_a_week_cannot_claim_an_outcome_outside_the_agreement(world, signed, foreign_outcome, outcome):  # noqa: F811
    agreement, learner, _supervisor = signed
    for outcome_ids in ([foreign_outcome.pk], ["abc"], [str(10**30)]):
        with pytest.raises(ValidationFailed) as error:
            during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="30", description="x", outcome_ids=outcome_ids)
        assert "outcomes" in error.value.errors
    assert not LogbookEntry.objects.exists()
    entry = during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="30", description="x", outcome_ids=[str(outcome.pk)])
    assert list(entry.outcomes.all()) == [outcome]


@pytest.mark.parametrize("data", [
    {"outcome": "abc", "rating": "achieved"}, {"outcome": str(10**30), "rating": "achieved"}, {"outcome": "", "rating": "achieved"},
    {"outcome": "OTHER", "rating": "achieved"}, {"outcome": "OWN", "rating": "achieved", "comment": "a\x00b"},
])
def test_an_evaluation_of_a_bad_or_foreign_outcome_is_a_422(client, world, signed, outcome, foreign_outcome, data):  # noqa: F811
    agreement, _learner, supervisor = signed
    data = {**data, "outcome": {"OTHER": str(foreign_outcome.pk), "OWN": str(outcome.pk)}.get(data["outcome"], data["outcome"])}
    response = _post(client, supervisor, f"/en/mobility/agreements/{agreement.pk}/evaluate/", data)
    assert response.status_code == 422
    assert not OutcomeEvaluation.objects.exists()


@pytest.mark.parametrize("grade, scale", [("NaN", "percent"), ("95.123456789", "percent"), ("A\x1b[31m", "ects"), ("x" * 100_000, "ects")])
def test_a_host_grade_that_is_no_grade_is_refused(client, world, signed, grade, scale):
    agreement, _learner, supervisor = signed
    component = agreement.components.get()
    response = _post(client, supervisor, f"/en/mobility/agreements/{agreement.pk}/result/", {"component": component.pk, "host_grade": grade, "host_scale": scale})
    assert response.status_code == 422
    assert not TranscriptEntry.objects.exists()


def test_a_verification_with_an_unknown_decision_is_refused_rather_than_read_as_a_return(client, world, signed):
    agreement, learner, supervisor = signed
    entry = during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="30", description="Wiring")
    for data in ({"entry": entry.pk, "decision": "abc", "comment": "why"}, {"entry": "abc", "decision": "verify", "verified_hours": "30"},
                 {"entry": entry.pk, "decision": "verify", "verified_hours": "NaN"}, {"entry": entry.pk, "decision": "return", "comment": "\x1b[2J"}):
        response = _post(client, supervisor, f"/en/mobility/agreements/{agreement.pk}/verify/", data)
        assert response.status_code == 422, data
    token = during.supervisor_link_token(agreement)
    response = client.post(f"/en/mobility/logbook/{token}/", {"entry": "abc", "decision": "verify", "verified_hours": "30"})
    assert response.status_code == 422
    entry.refresh_from_db()
    assert entry.state == "submitted"


def test_a_refused_document_leaves_the_application_unsaved(client, world, open_call):
    from tests.mobility.conftest import students

    person = students(world, 1)[0]
    option = open_call.options.first()
    client.force_login(person)
    upload = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(f"/en/mobility/calls/{open_call.pk}/application/",
                           {"app-year_of_study": "2", "app-grade": "90", "rank-1": option.pk, "document": upload})
    assert response.status_code == 422 and b"Upload a PDF, JPEG or PNG file." in response.content
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()


@pytest.mark.parametrize("rank", ["abc", str(10**30), "-1"])
def test_a_ranked_option_that_is_no_id_is_refused(client, world, open_call, rank):
    from tests.mobility.conftest import students

    person = students(world, 1)[0]
    client.force_login(person)
    response = client.post(f"/en/mobility/calls/{open_call.pk}/application/", {"app-year_of_study": "2", "app-grade": "90", "rank-1": rank})
    assert response.status_code == 422
    assert not Application.objects.exists()


@pytest.mark.parametrize("data", [{"source": "cabc", "places": "1"}, {"source": "c" + "9" * 30, "places": "1"}, {"source": "x1", "places": "1"},
                                  {"source": "c1", "places": "abc"}, {"source": "c1", "places": str(10**30)}, {"source": "c1", "places": "1", "reserved_inclusion": "NaN"}])
def test_an_option_with_a_bad_source_or_number_of_places_is_refused(client, world, open_call, data):
    client.force_login(world["coordinator_a"])
    before = open_call.options.count()
    response = client.post(f"/en/mobility/calls/{open_call.pk}/option/", data)
    assert response.status_code == 422
    assert open_call.options.count() == before


def test_a_nomination_decision_that_is_neither_accept_nor_decline_is_refused(client, world, accepted):
    from ortaq.mobility.models import Nomination

    nomination, _learner, supervisor = accepted
    Nomination.objects.filter(pk=nomination.pk).update(state="pending")  # back to the host's desk
    for data in ({"decision": "abc"}, {"decision": "decline", "reason": "a\x00b"}, {}):
        response = _post(client, supervisor, f"/en/mobility/nominations/{nomination.pk}/", data)
        assert response.status_code == 422, data
    nomination.refresh_from_db()
    assert nomination.state == "pending"
