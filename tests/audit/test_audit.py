"""The audit trail: `audit_record` stores who did what to which object with JSON-ready before/after values,
`snapshot` takes the fields asked for, `history_for` returns one object's trail newest first, and the
admin shows the trail without letting anybody add, change or delete it."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import replace

import pytest
from django.contrib.auth.models import AnonymousUser

from ortaq.audit.models import AuditEvent
from ortaq.audit.selectors import history_for
from ortaq.audit.services import audit_record, snapshot
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ProgrammeDetails


def test_a_record_names_the_actor_the_object_and_json_ready_values(world):
    when = dt.datetime(2026, 5, 1, 12, 30, tzinfo=dt.UTC)
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    event = audit_record(
        actor=world["coordinator_a"], action="update", obj=world.a, summary="renamed",
        before={"day": dt.date(2026, 1, 2), "fee": decimal.Decimal("1.50"), "ids": (1, 2)},
        after={"at": when, "key": key, 3: {"nested": [dt.time(9, 0)]}},
    )
    event.refresh_from_db()  # what the database gave back, not what Python kept
    assert (event.actor, event.action, event.object_type, event.object_id) == (world["coordinator_a"], "update", "institutions.institution", str(world.a.pk))
    assert event.object_repr == str(world.a) and event.summary == "renamed"
    assert event.before == {"day": "2026-01-02", "fee": "1.50", "ids": [1, 2]}
    assert event.after == {"at": when.isoformat(), "key": str(key), "3": {"nested": ["09:00:00"]}}


def test_a_record_without_a_signed_in_actor_is_kept_as_the_systems(world):
    assert audit_record(actor=AnonymousUser(), action="import", obj=world.a).actor is None
    assert audit_record(actor=None, action="import", obj=world.b).actor is None


def test_long_names_and_summaries_are_cut_to_fit(world):
    world.a.name_latin = world.a.name_en = "N" * 400
    event = audit_record(actor=None, action="create", obj=world.a, summary="s" * 400)
    event.refresh_from_db()
    assert len(event.summary) == 300 and len(event.object_repr) <= 300


def test_a_snapshot_takes_only_the_fields_asked_for_with_foreign_keys_as_ids(world):
    membership = world["coordinator_a"].memberships.get()
    taken = snapshot(membership)
    assert taken["institution_id"] == world.a.pk and taken["user_id"] == world["coordinator_a"].pk
    assert "created_at" not in taken and "updated_at" not in taken
    assert snapshot(world.a, ["name_en", "country"]) == {"name_en": "College A", "country": "KZ"}


def test_changed_fields_lists_only_what_differs(world):
    event = audit_record(actor=None, action="update", obj=world.a, before={"a": 1, "b": 2, "gone": 3}, after={"a": 1, "b": 5, "new": 4})
    assert event.changed_fields() == [("b", 2, 5), ("gone", 3, None), ("new", None, 4)]
    assert audit_record(actor=None, action="create", obj=world.a).changed_fields() == []


def test_history_is_the_objects_own_trail_newest_first(world):
    first = audit_record(actor=world["coordinator_a"], action="create", obj=world.a)
    audit_record(actor=world["coordinator_b"], action="create", obj=world.b)
    second = audit_record(actor=world["coordinator_a"], action="update", obj=world.a)
    assert list(history_for(world.a)) == [second, first]
    assert list(history_for(world.a, limit=1)) == [second]


@pytest.mark.parametrize("rows", [1, 10])
def test_history_loads_its_actors_in_the_same_query_for_1_or_10_events(world, django_assert_num_queries, rows):
    for i in range(rows):
        audit_record(actor=world["coordinator_a"] if i % 2 else world["registrar_a"], action="update", obj=world.a)
    with django_assert_num_queries(1):
        names = [event.actor.username for event in history_for(world.a)]
    assert len(names) == rows


def test_the_programme_page_shows_its_history_with_the_changed_fields(client, world):
    programme = programme_services.programme_create(actor=world["coordinator_a"], details=ProgrammeDetails(code="P1", title_en="Old title", isced_code="0714"), awarding=[world.a])
    programme_services.programme_update(actor=world["registrar_a"], programme=programme, details=replace(ProgrammeDetails.of(programme), title_en="New title"))
    client.force_login(world["student_b"])
    page = client.get(f"/en/programmes/{programme.pk}/")
    assert list(page.context["history"]) == list(history_for(programme))
    assert "1 field changed" in page.text and "Old title" in page.text and "New title" in page.text


@pytest.mark.parametrize("method,path", [("get", "/admin/audit/auditevent/add/"), ("post", "/admin/audit/auditevent/{pk}/delete/")])
def test_the_admin_can_read_the_trail_but_not_write_it(client, world, method, path):
    event = audit_record(actor=world["coordinator_a"], action="create", obj=world.a)
    client.force_login(world["admin"])
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200  # read-only view
    response = getattr(client, method)(path.format(pk=event.pk), {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists() and AuditEvent.objects.count() == 1
