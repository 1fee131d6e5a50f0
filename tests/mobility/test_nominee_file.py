"""The host reads a nominee's file before deciding: her motivation, her language certificates and the documents of
her application. Only the host of that nomination and the sending side see it."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from ortaq.mobility import selectors
from ortaq.mobility.models import ApplicationDocument, NominationState
from tests.mobility.test_placement_acceptance import published  # noqa: F401 - the fixture


@pytest.fixture
def nominee(published):  # noqa: F811
    """The third applicant, placed at the enterprise's offer, with a document in her application."""
    _round, applications, _condition, _offer = published
    application = applications[2]
    document = ApplicationDocument(application=application, original_name="hsk.pdf", content_type="application/pdf", size=9)
    document.file.save("hsk.pdf", ContentFile(b"%PDF-1.4 HSK"), save=True)
    return application.nominations.exclude(state=NominationState.DECLINED).get(), document


def test_the_file_holds_her_motivation_certificates_and_documents(nominee):
    nomination, document = nominee
    file = selectors.nominee_file(nomination)
    assert file["motivation"] == "x"
    assert [(c.language, c.framework, c.level) for c in file["certificates"]] == [("zh", "hsk", "5")]
    assert file["documents"] == [document]


def test_the_host_reads_the_file_and_its_evidence_from_the_nominations_page(client, enterprise, nominee):
    nomination, document = nominee
    _company, supervisor = enterprise
    client.force_login(supervisor)
    assert reverse("mobility:placement", args=[nomination.pk]) in client.get(reverse("mobility:nominations")).content.decode()
    page = client.get(reverse("mobility:placement", args=[nomination.pk])).content.decode()
    assert 'id="nominee-motivation"' in page and "ZH HSK 5" in page
    response = client.get(reverse("mobility:nominee_document_file", args=[nomination.pk, document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 HSK"


def test_the_sending_coordinator_reads_it_too(client, world, nominee):
    nomination, _document = nominee
    client.force_login(world["coordinator_a"])
    assert 'id="nominee-file"' in client.get(reverse("mobility:placement", args=[nomination.pk])).content.decode()


def test_another_host_another_college_and_other_students_get_nothing(client, world, published, nominee):  # noqa: F811
    nomination, document = nominee
    other_applicant = published[1][0].applicant
    for outsider in (world["coordinator_c"], world["coordinator_b"], world["student_a"], other_applicant, world["analyst"]):
        client.force_login(outsider)
        assert client.get(reverse("mobility:placement", args=[nomination.pk])).status_code == 404
        assert client.get(reverse("mobility:nominee_document_file", args=[nomination.pk, document.pk])).status_code == 404


def test_the_learner_sees_her_placement_but_not_a_file_written_for_the_host(client, nominee):
    nomination, _document = nominee
    client.force_login(nomination.application.applicant)
    page = client.get(reverse("mobility:placement", args=[nomination.pk])).content.decode()
    assert 'id="placement-checklist"' in page and 'id="nominee-file"' not in page
