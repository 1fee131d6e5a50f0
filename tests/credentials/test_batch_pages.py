"""A batch of credentials approved through the registrar's page, and its status row (polled by the page while the
credentials are being signed). A second registrar of the awarding side approves and the credentials are issued;
a registrar of another institution neither sees the batch's row nor approves it, and nothing is signed."""

from __future__ import annotations

import datetime as dt

import pytest

from ortaq.credentials import services
from ortaq.credentials.models import BatchState, IssuedCredential
from tests.conftest import make_user


@pytest.fixture
def requested(joint_programme):
    programme, joint, registrar, graduates = joint_programme
    batch = services.batch_request(actor=registrar, programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))
    return batch, joint, graduates


def test_a_second_registrar_approves_the_batch_on_the_page_and_the_credentials_are_issued(client, requested, django_capture_on_commit_callbacks):
    batch, joint, graduates = requested
    second = make_user("registrar_joint_second", (joint, "registrar"))
    client.force_login(second)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/wallet/registrar/batches/{batch.pk}/approve/")
    assert response.status_code == 302 and response.url == "/en/wallet/registrar/"
    batch.refresh_from_db()
    assert batch.approved_by == second and batch.state == BatchState.DONE
    assert set(IssuedCredential.objects.filter(batch=batch).values_list("holder", flat=True)) == {g.pk for g in graduates}
    row = client.get(f"/en/wallet/registrar/batches/{batch.pk}/")
    assert row.status_code == 200 and f'id="batch-{batch.pk}"' in row.text and f"{len(graduates)}/{len(graduates)}" in row.text


def test_a_registrar_of_another_institution_neither_sees_nor_approves_the_batch(client, world, requested, django_capture_on_commit_callbacks):
    batch, _joint, _graduates = requested
    client.force_login(world["registrar_b"])
    assert client.get(f"/en/wallet/registrar/batches/{batch.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/en/wallet/registrar/batches/{batch.pk}/approve/").status_code == 404
    batch.refresh_from_db()
    assert batch.state == BatchState.REQUESTED and batch.approved_by is None
    assert not IssuedCredential.objects.exists()
