"""Each placement's document checklist: the learner uploads or marks each document, the sending coordinator accepts
it or refuses it with a reason; both see it on the placement page, and the coordinator's inbox counts what waits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.mobility import acceptance, selectors
from ortaq.mobility.models import DocumentState, NominationState
from ortaq.mobility.worklist import inbox_items
from ortaq.notifications.models import Notification
from tests.mobility.test_placement_acceptance import published  # noqa: F401 - the fixture

PDF = b"%PDF-1.4 insurance policy"


@pytest.fixture
def placement(published):  # noqa: F811
    _round, applications, *_ = published
    return applications[0].nominations.exclude(state=NominationState.DECLINED).get()


def test_the_checklist_names_insurance_visa_arrival_and_departure_in_order(placement):
    assert [item["kind"] for item in selectors.placement_checklist(placement)] == ["insurance", "visa", "arrival", "departure"]
    assert all(item["document"] is None for item in selectors.placement_checklist(placement))


def test_the_learner_uploads_and_the_coordinator_refuses_with_a_reason_then_accepts_the_new_one(world, placement, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    learner = placement.application.applicant
    sent = acceptance.placement_document_submit(actor=learner, nomination=placement, kind="insurance",
                                                upload=SimpleUploadedFile("policy.pdf", PDF, content_type="application/pdf"))
    assert sent.state == DocumentState.SUBMITTED and sent.content_type == "application/pdf"
    with pytest.raises(ValidationFailed):
        acceptance.placement_document_check(actor=world["coordinator_a"], nomination=placement, kind="insurance", accept=False, reason=" ")
    refused = acceptance.placement_document_check(actor=world["coordinator_a"], nomination=placement, kind="insurance", accept=False,
                                                  reason="Does not cover the whole stay")
    assert refused.state == DocumentState.REFUSED and refused.reason == "Does not cover the whole stay"
    told = Notification.objects.get(recipient=learner, key="placement_document_refused")
    assert told.params["reason"] == "Does not cover the whole stay"
    again = acceptance.placement_document_submit(actor=learner, nomination=placement, kind="insurance",
                                                 upload=SimpleUploadedFile("policy2.pdf", PDF, content_type="application/pdf"))
    assert again.pk == sent.pk and again.state == DocumentState.SUBMITTED and again.reason == ""
    accepted = acceptance.placement_document_check(actor=world["coordinator_a"], nomination=placement, kind="insurance", accept=True)
    assert accepted.state == DocumentState.ACCEPTED and accepted.checked_by == world["coordinator_a"]
    with pytest.raises(DomainError):
        acceptance.placement_document_submit(actor=learner, nomination=placement, kind="insurance")


def test_an_arrival_can_be_marked_without_a_file(placement):
    marked = acceptance.placement_document_submit(actor=placement.application.applicant, nomination=placement, kind="arrival")
    assert marked.state == DocumentState.SUBMITTED and not marked.file


def test_only_the_learner_provides_and_only_the_sending_coordinator_checks(world, enterprise, placement):
    company, supervisor = enterprise
    with pytest.raises(Forbidden):
        acceptance.placement_document_submit(actor=world["coordinator_a"], nomination=placement, kind="visa")
    acceptance.placement_document_submit(actor=placement.application.applicant, nomination=placement, kind="visa")
    for outsider in (supervisor, world["coordinator_c"], world["coordinator_b"], placement.application.applicant):
        with pytest.raises(Forbidden):
            acceptance.placement_document_check(actor=outsider, nomination=placement, kind="visa", accept=True)


def test_a_file_that_is_not_a_pdf_or_image_is_refused(placement):
    with pytest.raises(ValidationFailed):
        acceptance.placement_document_submit(actor=placement.application.applicant, nomination=placement, kind="visa",
                                             upload=SimpleUploadedFile("visa.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"))


def test_the_coordinators_inbox_counts_the_documents_to_check(world, placement):
    learner = placement.application.applicant
    acceptance.placement_document_submit(actor=learner, nomination=placement, kind="visa")
    acceptance.placement_document_submit(actor=learner, nomination=placement, kind="arrival")
    items = [i for i in inbox_items(actor=world["coordinator_a"]) if i.kind == "mobility.documents"]
    assert len(items) == 1 and items[0].count == 2 and items[0].url == reverse("mobility:placement", args=[placement.pk])
    assert not [i for i in inbox_items(actor=world["coordinator_b"]) if i.kind == "mobility.documents"]


def test_both_sides_see_the_checklist_on_the_placement_page_and_the_coordinator_checks_there(client, world, placement):
    learner = placement.application.applicant
    client.force_login(learner)
    assert client.post(reverse("mobility:placement_document", args=[placement.pk, "departure"])).status_code == 302
    assert client.post(reverse("mobility:placement_document", args=[placement.pk, "passport"])).status_code == 422
    client.force_login(world["coordinator_a"])
    page = client.get(reverse("mobility:placement", args=[placement.pk])).content.decode()
    assert 'id="document-departure"' in page and reverse("mobility:placement_document_check", args=[placement.pk, "departure"]) in page
    response = client.post(reverse("mobility:placement_document_check", args=[placement.pk, "departure"]), {"decision": "refuse", "reason": "Unsigned"})
    assert response.status_code == 302
    client.force_login(learner)
    assert "Unsigned" in client.get(reverse("mobility:placement", args=[placement.pk])).content.decode()
