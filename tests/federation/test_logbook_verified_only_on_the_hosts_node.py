"""A logbook week of an agreement whose host is on another node is verified on the host's node only: here, at the
agreement's home, nobody verifies or returns it, not a platform admin (who otherwise acts for every party), not
through the web page, the API or the company supervisor's link; the week stays submitted, and the host's decision
still comes home and is recorded."""

import json

import pytest
from django.test import Client

from ortaq.accounts.services import api_token_create
from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError
from ortaq.mobility import during
from ortaq.mobility.models import EntryState, LogbookEntry
from tests.conftest import make_user
from tests.federation.test_logbooks_across_nodes import _submit, _verified, signed  # noqa: F401
from tests.federation.test_mobility_agreements_across_nodes import drafted  # noqa: F401
from tests.federation.test_nominations_across_nodes import _send, home, peered  # noqa: F401

pytestmark = pytest.mark.django_db

REFUSAL = "The host&#x27;s node verifies this week; its decision comes from there."


@pytest.fixture
def week(signed) -> LogbookEntry:
    return _submit(signed)


@pytest.fixture
def admin():
    return make_user("root", superuser=True)


def _still_submitted(entry: LogbookEntry) -> None:
    entry.refresh_from_db()
    assert (entry.state, entry.verified_hours, entry.verified_by, entry.verified_at) == (EntryState.SUBMITTED, None, None, None)
    assert not AuditEvent.objects.filter(object_type="mobility.logbookentry", object_id=str(entry.pk), action__in=["approve", "transition"]).exists()


def test_a_platform_admin_cannot_verify_or_return_the_week_here(week, admin):
    for approve, comment in ((True, ""), (False, "Add the line number")):
        with pytest.raises(DomainError) as refused:
            during.logbook_verify(entry=week, verified_hours="30", approve=approve, comment=comment, actor=admin)
        assert refused.value.code == "home_node"
    _still_submitted(week)


def test_the_web_page_and_the_api_refuse_it_with_the_reason(client, week, admin):
    agreement = week.agreement
    client.force_login(admin)
    page = client.post(f"/en/mobility/agreements/{agreement.pk}/verify/", {"entry": week.pk, "decision": "verify", "verified_hours": "30"})
    assert page.status_code == 400 and REFUSAL in page.content.decode()
    _token, secret = api_token_create(actor=admin, name="test")
    response = Client().post(f"/api/v1/mobility/agreements/{agreement.pk}/logbook/{week.pk}/verify", content_type="application/json",
                             data=json.dumps({"decision": "verify", "verified_hours": 30}), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert (response.status_code, response.json()["code"]) == (400, "home_node")
    assert response.json()["detail"] == "The host's node verifies this week; its decision comes from there."
    _still_submitted(week)


def test_the_supervisor_link_made_here_cannot_verify_it_either(client, week):
    token = during.supervisor_link_token(week.agreement)
    response = client.post(f"/en/mobility/logbook/{token}/", {"entry": week.pk, "decision": "verify", "verified_hours": "30"})
    assert response.status_code == 400 and REFUSAL in response.content.decode()
    _still_submitted(week)


def test_the_hosts_decision_from_its_node_is_still_recorded(client, week, admin, peered):
    with pytest.raises(DomainError):
        during.logbook_verify(entry=week, verified_hours="30", approve=True, actor=admin)
    answer = _send(client, peered, "logbook.verified", _verified(week))
    assert answer.json()["status"] == "accepted", answer.json()
    week.refresh_from_db()
    assert (week.state, week.verified_hours, week.verified_by) == (EntryState.VERIFIED, 30, None)
    assert AuditEvent.objects.filter(action="approve", object_type="mobility.logbookentry", object_id=str(week.pk),
                                     summary__startswith=f"by {peered.node_id}").exists()
