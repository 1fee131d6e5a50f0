"""The whole mobility year across two Ortaq nodes, as separate server processes on loopback with their own SQLite
databases and the demo's people of each country (`ortaq demo --node kz|cn`), driven through the REST API by the
people who do each step, with the operators' `federation sync` and `worker --batch` moving the messages and tasks:

the Almaty college and Tianjin agree on internships (approved on both nodes), Almaty opens a call with places in
Tianjin, its student applies and the round places her; Tianjin's coordinator accepts the nomination on the Chinese
node; she accepts her placement and drafts her training agreement, she and her coordinator sign it at home and
Tianjin signs it on its node; she logs a week at home and Tianjin verifies it there; Tianjin grades her and sends its
signed transcript home, where it verifies, and Almaty's coordinator opens recognition and signs the decision.

(The college-to-college agreement alone, a node down and back: test_two_nodes.py; each message's refusals: the
other test modules of this folder.)
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.error

import pytest

from tests.federation.nodes import Node, at_once, running

pytestmark = pytest.mark.nodes


@pytest.fixture
def nodes(tmp_path):
    with running(tmp_path, demo=True) as pair:
        yield pair


def token(node: Node, username: str) -> str:
    return node.cli("manage", "api_token", username, "--name", "two-node year").stdout.strip().splitlines()[-1]


def call_api(node: Node, method: str, path: str, user_token: str, body: dict | None = None) -> dict:
    try:
        return node.api(method, path, user_token, body)
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path} on {node.url}: {error.code} {error.read()[:800]!r}") from None


def sync(sender: Node, receiver: Node, count: int | None = None) -> None:
    """The sender's operator delivers now; `count` messages (when given) reach the receiver, none is refused."""
    out = sender.cli("federation", "sync").stdout
    line = next(row for row in out.splitlines() if receiver.url in row)
    assert " 0 rejected, 0 waiting" in line, out
    if count is not None:
        assert f"{receiver.url}: {count} delivered" in line, out


def test_a_student_of_almaty_goes_to_tianjin_and_her_results_are_recognised_at_home(nodes):
    kz, cn = nodes
    started = time.monotonic()
    kz.cli("federation", "peer", "add", cn.url)
    cn.cli("federation", "peer", "add", kz.url)
    coordinator, student, tianjin = at_once(lambda: token(kz, "coordinator"), lambda: token(kz, "student"), lambda: token(cn, "coordinator.cn"))

    # Almaty and Tianjin agree on internships: drafted and approved on the Kazakh node, approved on the Chinese one.
    registry = {row["name_latin"]: row for row in call_api(kz, "GET", "institutions/?page_size=100", coordinator)["items"]}
    almaty = next(row for row in registry.values() if row["node"] is None and "Almaty" in row["name_latin"])
    partner = next(row for row in registry.values() if row["node"] == cn.url and "Tianjin" in row["name_latin"] and row["kind"] not in ("enterprise", "industrial_cluster"))
    year = dt.date.today().year
    drafted = call_api(kz, "POST", "agreements/", coordinator, {"kind": "inter_institutional", "title": "Almaty–Tianjin internships (two nodes)",
                                                                 "start_year": year, "end_year": year + 2, "initiator_id": almaty["id"],
                                                                 "party_ids": [partner["id"]]})
    condition = call_api(kz, "POST", f"agreements/{drafted['id']}/conditions", coordinator, {
        "mobility_type": "student_internship", "sending": almaty["id"], "receiving": partner["id"], "isced_code": "0714",
        "places_per_year": 4, "duration": 3, "start_year": year, "end_year": year + 1})
    call_api(kz, "POST", f"agreements/{drafted['id']}/propose", coordinator)
    call_api(kz, "POST", f"agreements/{drafted['id']}/approve", coordinator, {"institution_id": almaty["id"]})
    sync(kz, cn)
    copies = call_api(cn, "GET", "agreements/", tianjin)["items"]
    mine = [row for row in copies if row["home_node"] == kz.url and "two nodes" in row["title"]]
    assert len(mine) == 1, (copies, partner)
    copy = mine[0]
    cn_tianjin = next(row for row in call_api(cn, "GET", "institutions/?page_size=100", tianjin)["items"]
                      if row["node"] is None and row["name_latin"] == partner["name_latin"])
    call_api(cn, "POST", f"agreements/{copy['id']}/approve", tianjin, {"institution_id": cn_tianjin["id"]})
    sync(cn, kz, 1)
    assert call_api(kz, "GET", f"agreements/{drafted['id']}", coordinator)["state"] == "approved"

    # The call, her application, the round: published on the Kazakh node, the nomination goes to the Chinese one.
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    call = call_api(kz, "POST", "mobility/calls/", coordinator, {"owner_id": almaty["id"], "title": "Стажировки в Тяньцзине", "written_in": "ru",
                                                                 "mobility_type": "student_internship", "academic_year": year, "deadline": deadline})
    condition_id = condition["conditions"][-1]["id"] if "conditions" in condition else condition["id"]
    option = call_api(kz, "POST", f"mobility/calls/{call['id']}/options", coordinator, {"condition_id": condition_id, "places": 2})
    call_api(kz, "POST", f"mobility/calls/{call['id']}/open", coordinator)
    call_api(kz, "PUT", f"mobility/calls/{call['id']}/application", student, {"year_of_study": 2, "grade": 88.5, "motivation": "PLC",
                                                                                "share_accessibility_needs": False, "option_ids": [option["id"]], "submit": True})
    call_api(kz, "POST", f"mobility/calls/{call['id']}/close", coordinator)
    placement_round = call_api(kz, "POST", f"mobility/calls/{call['id']}/rounds", coordinator)
    kz.cli("worker", "--batch")
    assert call_api(kz, "GET", f"mobility/rounds/{placement_round['id']}", coordinator)["state"] == "dry_run"
    call_api(kz, "POST", f"mobility/rounds/{placement_round['id']}/publish", coordinator)
    kz.cli("worker", "--batch")
    sync(kz, cn)

    # Tianjin accepts her on its node; she accepts the placement and drafts her agreement at home.
    [nominated] = call_api(cn, "GET", "mobility/nominations/remote/?state=pending", tianjin)["items"]
    assert nominated["node"] == kz.url and nominated["learner_name"] == "Дана Серікқызы"
    call_api(cn, "POST", f"mobility/nominations/remote/{nominated['id']}/decide", tianjin, {"decision": "accept", "reason": ""})
    sync(cn, kz, 1)
    [placement] = call_api(kz, "GET", "mobility/placements/", student)["items"]
    assert placement["state"] == "accepted"
    call_api(kz, "POST", f"mobility/placements/{placement['id']}/answer", student, {"answer": "accept"})
    start = dt.date.today() - dt.timedelta(days=dt.date.today().weekday() + 14)  # a Monday two weeks ago
    agreement = call_api(kz, "POST", "mobility/agreements/", student, {
        "nomination_id": placement["id"], "start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=90)).isoformat(),
        "weekly_hours": 30, "components": [{"code": "M7", "title": "PLC commissioning", "credits": 5, "hours": 120, "recognition": "Module 7"}]})
    call_api(kz, "POST", f"mobility/agreements/{agreement['id']}/sign", student, {"party": "learner", "expected_version": 1})
    call_api(kz, "POST", f"mobility/agreements/{agreement['id']}/sign", coordinator, {"party": "sending", "expected_version": 1})
    sync(kz, cn)

    # Tianjin signs on its node; the home records the third signature and tells the host the agreement is signed.
    [remote] = call_api(cn, "GET", "mobility/agreements/remote/", tianjin)["items"]
    call_api(cn, "POST", f"mobility/agreements/remote/{remote['id']}/sign", tianjin, {"expected_version": remote["version"]})
    sync(cn, kz, 1)
    assert call_api(kz, "GET", f"mobility/agreements/{agreement['id']}", coordinator)["state"] == "signed"
    sync(kz, cn)
    assert call_api(cn, "GET", f"mobility/agreements/remote/{remote['id']}", tianjin)["state"] == "signed"

    # A week logged at home is verified on the host's node.
    week = call_api(kz, "POST", f"mobility/agreements/{agreement['id']}/logbook", student, {
        "week_start": start.isoformat(), "hours": 32, "description": "Commissioned the PLC of line 2"})
    sync(kz, cn, 1)
    [host_week] = call_api(cn, "GET", f"mobility/agreements/remote/{remote['id']}/logbook", tianjin)["items"]
    call_api(cn, "POST", f"mobility/agreements/remote/{remote['id']}/logbook/{host_week['id']}/verify", tianjin,
             {"decision": "verify", "verified_hours": 30, "comment": "Good week"})
    sync(cn, kz, 1)
    [home_week] = call_api(kz, "GET", f"mobility/agreements/{agreement['id']}/logbook", student)["items"]
    assert (home_week["id"], home_week["state"], float(home_week["verified_hours"])) == (week["id"], "verified", 30.0)

    # Tianjin grades the component and sends its signed transcript home; the home verifies it and recognition opens.
    call_api(cn, "POST", f"mobility/agreements/remote/{remote['id']}/results", tianjin, {"component": 0, "host_grade": "92", "host_scale": "percent"})
    sent = call_api(cn, "POST", f"mobility/agreements/remote/{remote['id']}/transcript", tianjin)
    assert sent["transcript_sent_at"]
    sync(cn, kz)
    dossier = call_api(kz, "POST", "recognition/dossiers/", coordinator, {"mobility_agreement_id": agreement["id"]})
    [item] = dossier["items"]
    assert item["host_grade"] == "92 (percent)" and item["home_grade"] == "A-"
    # The decision is the home's: recognised as the module the AI proposed (or, with none, refused with the difference).
    decision = ({"decision": "full", "home_module_id": item["home_module_id"]} if item["home_module_id"]
                else {"decision": "refused", "substantial_difference": "No module of the programme covers PLC commissioning."})
    call_api(kz, "POST", f"recognition/dossiers/{dossier['id']}/items/{item['id']}/decide", coordinator, decision)
    signed = call_api(kz, "POST", f"recognition/dossiers/{dossier['id']}/sign", coordinator)
    assert signed["state"] == "decided"
    print(f"two-node mobility year after start-up: {time.monotonic() - started:.1f} s")
