"""The host's company supervisor who has no account verifies, on the host's node, the weeks of a logbook kept on
another node: a coordinator of the host hands her a signed link to the copy's logbook; she verifies or returns each
week under the name she types, and the decision goes home naming her as typed, as company supervisor, with no
personal-data record about a User (there is none) but an outbox reason that says her name was sent. A tampered or
foreign token, the home node's own link, or a link to another copy opens nothing."""

import pytest
from django.core import signing

from ortaq.audit.models import AuditEvent
from ortaq.errors import Forbidden
from ortaq.federation.models import OutboxMessage, PersonalDataSent
from ortaq.mobility import during, remote_logbook_services
from ortaq.mobility.models import EntryState, RemoteLogbookEntry, RemoteMobilityAgreement, RemoteNomination
from tests.conftest import make_institution, make_user
from tests.federation.test_logbooks_across_nodes import _week, copy  # noqa: F401
from tests.federation.test_mobility_agreements_across_nodes import accepted  # noqa: F401
from tests.federation.test_nominations_across_nodes import _send, host, peered  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(client, peered, copy):
    """A week the learner submitted at home, here on the host's copy, and the supervisor link a coordinator sees."""
    row, coordinator = copy
    assert _send(client, peered, "logbook.submitted", _week()).json()["status"] == "accepted"
    client.force_login(coordinator)
    page = client.get(f"/en/mobility/agreements/remote/{row.pk}/").content.decode()
    client.logout()
    link = page.split('<code id="supervisor-link">', 1)[1].split("</code>", 1)[0]
    return RemoteLogbookEntry.objects.get(), link.removeprefix("http://testserver")


def _decide(client, link: str, week: RemoteLogbookEntry, **changes):
    return client.post(link, {"entry": week.pk, "decision": "verify", "verified_hours": "30", "verifier_name": "Zhang Wei"} | changes)


def test_the_hosts_coordinator_sees_the_link_and_a_company_supervisor_with_an_account_does_not(client, peered, copy):
    row, coordinator = copy
    page_url = f"/en/mobility/agreements/remote/{row.pk}/"
    client.force_login(coordinator)
    page = client.get(page_url).content.decode()
    assert 'id="supervisor-link-section"' in page and "Give this link to the company supervisor who has no account here" in page
    token = page.split('<code id="supervisor-link">', 1)[1].split("</code>", 1)[0].rstrip("/").rsplit("/", 1)[1]
    assert page.count(f"http://testserver/en/mobility/logbook/remote/{token}/") == 1
    assert remote_logbook_services.remote_agreement_for_link(token) == row

    # One with an account verifies on the page itself; handing the link on is a coordinator's call.
    supervisor = make_user("zhang", (row.nomination.host, "company_supervisor"))
    client.force_login(supervisor)
    page = client.get(page_url).content.decode()
    assert "Logbook" in page and "supervisor-link" not in page
    stranger = make_user("shymkent", (make_institution("Shymkent College"), "coordinator"))  # another college's coordinator
    client.force_login(stranger)
    assert client.get(page_url).status_code == 404
    assert remote_logbook_services.supervisor_link_path(actor=stranger, agreement=row) is None


def test_no_link_before_the_copy_is_signed_by_all_nor_once_it_is_not(client, peered, copy):
    row, coordinator = copy
    token = remote_logbook_services.supervisor_link_token(row)
    RemoteMobilityAgreement.objects.filter(pk=row.pk).update(state="signing")  # a new version to sign came from home
    row.refresh_from_db()
    assert remote_logbook_services.supervisor_link_path(actor=coordinator, agreement=row) is None
    client.force_login(coordinator)
    assert "supervisor-link" not in client.get(f"/en/mobility/agreements/remote/{row.pk}/").content.decode()
    client.logout()
    assert client.get(f"/en/mobility/logbook/remote/{token}/").status_code == 404


def test_the_supervisor_verifies_a_week_through_the_link_under_the_name_she_types(client, peered, week):
    entry, link = week
    page = client.get(link)
    assert page.status_code == 200
    for shown in ("王芳 (Wang Fang)", "调试二号线的PLC", "32.0", 'name="verifier_name"', "Your name", "Return"):
        assert shown in page.content.decode(), shown

    assert _decide(client, link, entry, comment="Good work").status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.verified_hours, entry.verified_by, entry.comment) == (EntryState.VERIFIED, 30, None, "Good work")
    [verified] = OutboxMessage.objects.filter(kind="logbook.verified")
    assert verified.peer.node_id == peered.node_id
    assert verified.payload == {"agreement": "55", "entry": "301", "approve": True, "verified_hours": "30.0", "comment": "Good work",
                                "verifier": {"name": "Zhang Wei", "role": "company_supervisor"}}
    assert "the verifier's name as the company supervisor typed it on the supervisor link" in verified.reason
    assert not PersonalDataSent.objects.filter(kind="logbook.verified").exists()
    assert AuditEvent.objects.filter(action="approve", actor=None, object_id=str(entry.pk),
                                     summary="supervisor link: Zhang Wei (company_supervisor)").exists()
    assert "Thank you: your decision is recorded." in client.get(link).content.decode()

    again = _decide(client, link, entry, verified_hours="10")  # a week already decided is not decided again
    assert again.status_code == 400 and "This week is already verified." in again.content.decode()
    entry.refresh_from_db()
    assert entry.verified_hours == 30 and OutboxMessage.objects.filter(kind="logbook.verified").count() == 1


def test_a_return_needs_a_comment_and_every_decision_a_name(client, peered, week):
    entry, link = week
    no_comment = _decide(client, link, entry, decision="return", comment="  ")
    assert no_comment.status_code == 422 and "Say why the week is returned." in no_comment.content.decode()
    for name in ("", "   ", "x" * 201):
        no_name = _decide(client, link, entry, verifier_name=name)
        assert no_name.status_code == 422, name
    assert "Give your name." in _decide(client, link, entry, verifier_name="").content.decode()
    entry.refresh_from_db()
    assert entry.state == EntryState.SUBMITTED and not OutboxMessage.objects.filter(kind="logbook.verified").exists()

    assert _decide(client, link, entry, decision="return", comment="Name the line", verifier_name="Zhang Wei").status_code == 302
    [returned] = OutboxMessage.objects.filter(kind="logbook.verified")
    assert (returned.payload["approve"], returned.payload["verified_hours"], returned.payload["comment"], returned.payload["verifier"]) == \
        (False, None, "Name the line", {"name": "Zhang Wei", "role": "company_supervisor"})
    refused = _decide(client, link, entry)  # returned: it waits for the learner to submit it again
    assert refused.status_code == 400 and "it waits for the learner to submit it again" in refused.content.decode()


def test_a_tampered_expired_or_foreign_token_opens_nothing(client, peered, week, monkeypatch):
    entry, link = week
    token = link.rstrip("/").rsplit("/", 1)[1]
    home_link = signing.TimestampSigner(salt=during.LINK_SALT).sign_object({"agreement": entry.agreement_id})  # the home node's kind
    home_style = signing.TimestampSigner(salt=during.LINK_SALT).sign_object({"agreement": entry.agreement_id, "home_id": "55"})
    other_key = signing.TimestampSigner(key="another node's secret", salt=remote_logbook_services.LINK_SALT).sign_object(
        {"agreement": entry.agreement_id, "home_id": "55"})
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token.replace(":", "x", 1), home_link, home_style, other_key, "nothing"):
        assert client.get(f"/en/mobility/logbook/remote/{bad}/").status_code == 404, bad
        assert _decide(client, f"/en/mobility/logbook/remote/{bad}/", entry).status_code == 404, bad
    assert client.get(f"/en/mobility/logbook/{token}/").status_code == 410  # nor does this link open the home kind of page

    later = signing.time.time() + during.LINK_MAX_AGE + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.get(link).status_code == 404
    entry.refresh_from_db()
    assert entry.state == EntryState.SUBMITTED and not OutboxMessage.objects.filter(kind="logbook.verified").exists()


def test_one_copys_link_decides_nothing_of_another_hosts_copy(client, peered, week):
    entry, link = week
    other_host = make_institution("Shymkent College")
    theirs = RemoteMobilityAgreement.objects.create(
        nomination=RemoteNomination.objects.create(home_node=peered.node_id, home_id="42", host=other_host, sending=entry.agreement.nomination.sending,
                                                   learner_name="李雷", call_title="实习"),
        home_id="56", version=1, sha256="0" * 64, state="signed")
    their_week = RemoteLogbookEntry.objects.create(agreement=theirs, home_id="302", week_start="2026-09-07", hours=30, description="焊接")
    assert "焊接" not in client.get(link).content.decode()
    assert _decide(client, link, their_week).status_code == 404
    with pytest.raises(Forbidden):
        remote_logbook_services.remote_logbook_verify_via_link(token=link.rstrip("/").rsplit("/", 1)[1], entry=their_week, verifier_name="Zhang Wei",
                                                               approve=True, verified_hours="30")
    their_week.refresh_from_db()
    assert their_week.state == EntryState.SUBMITTED and not OutboxMessage.objects.filter(kind="logbook.verified").exists()
    their_link = remote_logbook_services.supervisor_link_token(theirs)
    assert "调试二号线的PLC" not in client.get(f"/en/mobility/logbook/remote/{their_link}/").content.decode()


def test_hostile_input_on_the_link_page_is_refused_and_writes_nothing(client, peered, week):
    entry, link = week
    hostile = [{"entry": value} for value in ("abc", str(10**30), "-0", "")] + \
        [{"verified_hours": value} for value in ("abc", "NaN", "Infinity", "1e400", "9" * 400)] + \
        [{"verifier_name": value} for value in ("a\x00b", "\x1b[31mZhang", "x" * 100_000)] + \
        [{"comment": "a\x00b"}, {"decision": "approve"}]
    audited = AuditEvent.objects.count()
    for changes in hostile:
        answer = _decide(client, link, entry, **changes, unknown="field")
        assert answer.status_code in (400, 404, 422), changes
    entry.refresh_from_db()
    assert entry.state == EntryState.SUBMITTED and not OutboxMessage.objects.filter(kind="logbook.verified").exists()
    assert AuditEvent.objects.count() == audited
