"""The wallet's and the registrar's forms answer hostile values with a 4xx and change nothing."""

import pytest

from ortaq.credentials.models import IssuanceBatch, IssuedCredential, ShareCode


@pytest.mark.parametrize("days", ["abc", "NaN", str(10**30), "9" * 400, "0", "181", ""])
def test_a_share_code_for_a_number_of_days_that_is_no_number_in_range_is_refused(client, issued, days):
    _batch, _programme, _joint, _registrar, graduates = issued
    credential = IssuedCredential.objects.filter(holder=graduates[0]).first()
    client.force_login(graduates[0])
    response = client.post(f"/en/wallet/{credential.public_id}/share/", {"days": days})
    assert response.status_code == 422 and b"A share code lasts from 1 to 180 days." in response.content
    assert not ShareCode.objects.exists()


@pytest.mark.parametrize("reason", ["a\x00b", "\x1b[31m", "x" * 100_000])
def test_a_status_change_with_a_hostile_reason_is_refused(client, issued, reason):
    _batch, _programme, _joint, registrar, graduates = issued
    credential = IssuedCredential.objects.filter(holder=graduates[0]).first()
    client.force_login(registrar)
    response = client.post(f"/en/wallet/{credential.public_id}/state/", {"state": "revoked", "reason": reason})
    assert response.status_code == 422
    credential.refresh_from_db()
    assert credential.state == "valid"


@pytest.mark.parametrize("date", ["0001-01-01", "9999-99-99", "abc"])
def test_a_batch_with_a_graduation_date_out_of_range_is_shown_again_with_errors(client, joint_programme, date):
    programme, _joint, registrar, graduates = joint_programme
    client.force_login(registrar)
    response = client.post("/en/wallet/registrar/", {"programme": programme.pk, "holders": [g.pk for g in graduates], "graduation_date": date})
    assert response.status_code == 422
    assert not IssuanceBatch.objects.exists()
