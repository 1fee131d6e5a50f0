"""The agreement pages answer hostile values with a translated 4xx and change nothing (ids and versions used
to reach `int()` and the ORM raw, and a termination reason reached PostgreSQL with its NUL bytes)."""

import pytest

from ortaq.agreements.models import Agreement
from ortaq.audit.models import AuditEvent


def _post(client, user, url, data):
    client.force_login(user)
    before = AuditEvent.objects.count()
    response = client.post(url, data)
    assert AuditEvent.objects.count() == before, "a refused request wrote to the audit log"
    return response


@pytest.mark.parametrize("data", [{"institution": "abc"}, {"institution": str(10**30)}, {"institution": "-1"}, {},
                                  {"institution": "A", "version": "abc"}, {"institution": "A", "version": "²"}])
def test_an_approval_for_an_institution_that_is_no_id_is_refused(client, world, proposed_ac, data):
    if data.get("institution") == "A":
        data["institution"] = world.a.pk
    response = _post(client, world["coordinator_a"], f"/en/agreements/{proposed_ac.pk}/approve/", data)
    assert response.status_code == 422
    assert proposed_ac.approvals.count() == 0


def test_an_approval_for_an_institution_that_is_not_a_party_is_refused_with_the_reason(client, world, proposed_ac):
    response = _post(client, world["coordinator_a"], f"/en/agreements/{proposed_ac.pk}/approve/", {"institution": world.b.pk})
    assert response.status_code == 400 and b"is not a party to this agreement" in response.content


def test_the_refusal_is_in_the_users_language(client, world, proposed_ac):
    response = _post(client, world["coordinator_a"], f"/ru/agreements/{proposed_ac.pk}/approve/", {"institution": "abc"})
    assert response.status_code == 422 and "Введите целое число." in response.content.decode()


@pytest.mark.parametrize("reason", ["a\x00b", "\x1b[31mstop", "x" * 100_000, "   "])
def test_a_termination_reason_with_control_characters_or_of_a_book_is_refused(client, world, proposed_ac, reason):
    from ortaq.agreements import services

    services.agreement_approve(actor=world["coordinator_a"], agreement=proposed_ac, institution=world.a)
    services.agreement_approve(actor=world["coordinator_c"], agreement=proposed_ac, institution=world.c)
    services.agreement_put_into_effect(actor=world["coordinator_a"], agreement=proposed_ac)
    response = _post(client, world["coordinator_a"], f"/en/agreements/{proposed_ac.pk}/terminate/", {"reason": reason})
    assert response.status_code == 422
    assert Agreement.objects.get(pk=proposed_ac.pk).state == "in_effect"


@pytest.mark.parametrize("data", [{"summary": "x" * 100_000}, {"title": "\x1b[31mred"}, {"start_year": str(10**30)}, {"end_year": "NaN"}, {"version": "abc"}])
def test_an_edit_with_hostile_values_is_shown_again_with_its_errors(client, world, draft_ac, data):
    base = {"kind": "inter_institutional", "title": "A–C", "reference": "", "summary": "", "start_year": 2025, "end_year": 2028}
    response = _post(client, world["coordinator_a"], f"/en/agreements/{draft_ac.pk}/edit/", base | data)
    assert response.status_code == 422
    assert b'class="error"' in response.content or b'class="errors"' in response.content  # beside the field, or above the form
    assert Agreement.objects.get(pk=draft_ac.pk).version == draft_ac.version


@pytest.mark.parametrize("query", ["?a=abc", "?b=" + "9" * 400, "?a=²"])
def test_comparing_versions_that_are_no_numbers_is_a_404(client, world, draft_ac, query):
    client.force_login(world["coordinator_a"])
    assert client.get(f"/en/agreements/{draft_ac.pk}/versions/{query}").status_code == 404
