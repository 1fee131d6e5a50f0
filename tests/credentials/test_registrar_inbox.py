"""The registrar's inbox under the four-eyes rule: a batch one requested waits for someone else, and the
requester's home says so (linking to the desk) instead of looking empty; the second registrar is asked to
approve it."""

from __future__ import annotations

import datetime as dt

from ortaq.credentials import selectors, services
from tests.conftest import make_user


def test_the_requester_sees_their_batch_waiting_and_a_second_registrar_is_asked_to_approve_it(joint_programme):
    programme, joint, registrar, graduates = joint_programme
    services.batch_request(actor=registrar, programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))
    second = make_user("registrar_joint_second", (joint, "registrar"))

    mine = {item.kind: item for item in selectors.inbox_items(actor=registrar)}
    theirs = {item.kind: item for item in selectors.inbox_items(actor=second)}

    assert "credentials.approve" not in mine and mine["credentials.awaiting"].count == 1
    assert "credentials.awaiting" not in theirs and theirs["credentials.approve"].count == 1


def test_the_requesters_waiting_batch_links_to_a_page_they_may_open(client, joint_programme):
    programme, _joint, registrar, graduates = joint_programme
    services.batch_request(actor=registrar, programme=programme, holders=graduates, graduation_date=dt.date(2026, 6, 30))
    [item] = [i for i in selectors.inbox_items(actor=registrar) if i.kind == "credentials.awaiting"]
    client.force_login(registrar)
    assert client.get(item.url).status_code == 200
    assert "credentials.awaiting" in client.get("/en/").text
