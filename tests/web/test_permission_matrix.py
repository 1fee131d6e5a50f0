"""Who may read and change what, through the web pages and the API alike: each role × own and other institution."""

import json

import pytest

from ortaq.accounts.services import api_token_create
from ortaq.agreements import services as agreement_services
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ProgrammeDetails
from tests.conftest import agreement_terms, condition_terms

ROLES_OF_A = ["coordinator_a", "registrar_a", "teacher_a", "student_a"]


@pytest.fixture
def proposed_bc(world):
    agreement = agreement_services.agreement_create(actor=world["coordinator_b"], terms=agreement_terms(title="B–C"), initiator=world.b, parties=[world.c])
    agreement_services.condition_add(actor=world["coordinator_b"], agreement=agreement, terms=condition_terms(world.b, world.c))
    agreement_services.agreement_propose(actor=world["coordinator_b"], agreement=agreement)
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def programme_a(world):
    return programme_services.programme_create(
        actor=world["registrar_a"], details=ProgrammeDetails(code="P-A", title_en="Mechatronics", isced_code="0714"), awarding=[world.a]
    )


def api(client, user, method: str, url: str, body: dict | None = None):
    headers = {}
    if user is not None:
        _token, secret = api_token_create(actor=user, name="test")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    call = getattr(client, method)
    if body is None:
        return call(url, **headers)
    return call(url, data=json.dumps(body), content_type="application/json", **headers)


def page(client, user, url: str, method: str = "get", data: dict | None = None):
    client.logout()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data or {})


# Institutions -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ROLES_OF_A + ["analyst", "admin"])
def test_every_signed_in_role_reads_the_institution_registry(client, world, who):
    assert page(client, world[who], "/en/institutions/").status_code == 200
    assert page(client, world[who], f"/en/institutions/{world.b.pk}/").status_code == 200
    response = api(client, world[who], "get", "/api/v1/institutions/")
    assert response.status_code == 200 and response.json()["count"] == 4


def test_anonymous_visitors_are_sent_to_sign_in_and_the_api_refuses_them(client, world):
    response = page(client, None, "/en/institutions/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert api(client, None, "get", "/api/v1/institutions/").status_code == 401
    assert api(client, None, "get", f"/api/v1/agreements/").status_code == 401


@pytest.mark.parametrize(
    "who, target, allowed",
    [
        ("coordinator_a", "a", True), ("coordinator_a", "b", False), ("registrar_a", "a", False), ("teacher_a", "a", False),
        ("student_a", "a", False), ("analyst", "a", False), ("admin", "b", True),
    ],
)
def test_only_a_coordinator_of_the_institution_or_an_admin_changes_its_profile(client, world, who, target, allowed):
    institution = getattr(world, target)
    ui = page(client, world[who], f"/en/institutions/{institution.pk}/edit/")
    assert ui.status_code == (200 if allowed else 403)
    response = api(client, world[who], "patch", f"/api/v1/institutions/{institution.pk}", {"city": "Changed"})
    assert response.status_code == (200 if allowed else 403)
    institution.refresh_from_db()
    assert (institution.city == "Changed") is allowed


def test_a_coordinator_of_a_cannot_change_b_through_the_edit_form(client, world):
    response = page(client, world["coordinator_a"], f"/en/institutions/{world.b.pk}/edit/", "post", {"name_original": "Hijacked"})
    assert response.status_code == 403
    world.b.refresh_from_db()
    assert world.b.name_original == "College B"


# Agreements ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "who, visible",
    [
        ("coordinator_a", True), ("registrar_a", True), ("teacher_a", True), ("student_a", False),
        ("coordinator_b", False), ("coordinator_c", False), ("analyst", False), ("admin", True),
    ],
)
def test_a_draft_is_visible_only_inside_the_initiating_institution(client, world, draft_ac, who, visible):
    expected = 200 if visible else 404
    assert page(client, world[who], f"/en/agreements/{draft_ac.pk}/").status_code == expected
    assert api(client, world[who], "get", f"/api/v1/agreements/{draft_ac.pk}").status_code == expected
    listed = [a["id"] for a in api(client, world[who], "get", "/api/v1/agreements/").json()["items"]]
    assert (draft_ac.pk in listed) is visible


@pytest.mark.parametrize(
    "who, visible",
    [("coordinator_b", True), ("coordinator_c", True), ("teacher_c", True), ("student_b", False), ("coordinator_a", False), ("analyst", True), ("admin", True)],
)
def test_a_proposed_agreement_is_visible_to_every_partys_staff_and_the_ministry(client, world, proposed_bc, who, visible):
    assert page(client, world[who], f"/en/agreements/{proposed_bc.pk}/").status_code == (200 if visible else 404)
    assert api(client, world[who], "get", f"/api/v1/agreements/{proposed_bc.pk}").status_code == (200 if visible else 404)


@pytest.mark.parametrize("who, status", [("coordinator_a", 200), ("teacher_a", 403), ("student_a", 404), ("coordinator_b", 404), ("analyst", 404)])
def test_only_the_initiators_coordinator_edits_a_draft(client, world, draft_ac, who, status):
    response = api(client, world[who], "patch", f"/api/v1/agreements/{draft_ac.pk}", {"title": "Edited"})
    assert response.status_code == status
    draft_ac.refresh_from_db()
    assert (draft_ac.title == "Edited") is (status == 200)


def test_web_edit_of_another_institutions_agreement_is_refused(client, world, draft_ac, proposed_bc):
    assert page(client, world["coordinator_b"], f"/en/agreements/{draft_ac.pk}/edit/", "post", {"title": "X"}).status_code == 404
    assert page(client, world["teacher_a"], f"/en/agreements/{draft_ac.pk}/edit/").status_code == 403
    assert page(client, world["coordinator_a"], f"/en/agreements/{proposed_bc.pk}/propose/", "post").status_code == 404


def test_a_coordinator_cannot_approve_for_another_institution_through_the_api(client, world, proposed_bc):
    response = api(client, world["coordinator_b"], "post", f"/api/v1/agreements/{proposed_bc.pk}/approve", {"institution_id": world.c.pk})
    assert response.status_code == 403
    response = api(client, world["coordinator_a"], "post", f"/api/v1/agreements/{proposed_bc.pk}/approve", {"institution_id": world.a.pk})
    assert response.status_code == 404
    assert proposed_bc.approvals.count() == 0


# Programmes ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("registrar_a", 200), ("coordinator_a", 200), ("registrar_b", 403), ("student_a", 403), ("teacher_a", 403), ("analyst", 403), ("admin", 200)])
def test_only_staff_of_an_awarding_institution_change_a_programme(client, world, programme_a, who, status):
    assert api(client, world[who], "get", f"/api/v1/programmes/{programme_a.pk}").status_code == 200
    response = api(client, world[who], "patch", f"/api/v1/programmes/{programme_a.pk}", {"title_en": "Changed"})
    assert response.status_code == status


def test_a_registrar_cannot_create_a_programme_for_another_college_alone(client, world):
    body = {"code": "P-B", "title_en": "X", "isced_code": "0714", "awarding_institution_ids": [world.b.pk]}
    assert api(client, world["registrar_a"], "post", "/api/v1/programmes/", body).status_code == 403
    assert api(client, world["registrar_b"], "post", "/api/v1/programmes/", body).status_code == 201


# People -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, visible", [("coordinator_a", True), ("teacher_a", True), ("student_a", True), ("coordinator_b", False), ("student_b", False), ("analyst", False), ("admin", True)])
def test_a_persons_page_is_visible_to_their_own_institution_only(client, world, who, visible):
    response = page(client, world[who], f"/en/accounts/people/{world['student_a'].pk}/")
    assert response.status_code == (200 if visible else 404)


def test_django_admin_is_for_platform_admins_only(client, world):
    assert page(client, world["coordinator_a"], "/admin/").status_code == 302
    assert page(client, world["admin"], "/admin/").status_code == 200
