"""`ortaq manage api_token USERNAME` prints a new token that the API accepts, as the last line of stdout."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ortaq.accounts.models import ApiToken
from ortaq.audit.models import AuditEvent
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_it_prints_a_token_the_api_accepts_as_the_last_line(client):
    make_user("operator")
    secret = _run("operator", "--name", "SIS link")[-1]
    token = ApiToken.objects.get(user__username="operator")
    assert token.name == "SIS link" and token.digest == ApiToken.digest_of(secret)
    response = client.get("/api/v1/institutions/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert client.get("/api/v1/institutions/", HTTP_AUTHORIZATION="Bearer ortaq_wrong").status_code == 401
    assert AuditEvent.objects.filter(action="token", object_id=str(token.pk), actor__username="operator").exists()


def test_it_refuses_an_unknown_user_and_creates_nothing():
    with pytest.raises(CommandError, match="nobody"):
        _run("nobody")
    assert ApiToken.objects.count() == 0


def test_each_run_makes_a_new_secret():
    make_user("operator")
    assert _run("operator")[-1] != _run("operator")[-1]
    assert ApiToken.objects.filter(user__username="operator", name="CLI").count() == 2
