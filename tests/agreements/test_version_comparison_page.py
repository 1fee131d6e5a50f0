"""The page comparing two versions of an agreement names each field by its label and shows each value as the
agreement's page does (choice labels, institution names, a duration with its plural form), in the reader's
language: no field paths or stored codes."""

from __future__ import annotations

from dataclasses import replace

from ortaq.agreements import selectors, services
from ortaq.agreements.types import ConditionTerms


def _changed(world, draft_ac):
    condition = draft_ac.conditions.get()
    services.condition_update(actor=world["coordinator_a"], condition=condition,
                              terms=replace(ConditionTerms.of(condition), mobility_type="student_study", duration=5))
    return list(selectors.versions_of(draft_ac))


def test_a_changed_condition_is_shown_by_its_labels_and_readable_values(world, draft_ac):
    newer, older, *_ = _changed(world, draft_ac)
    rows = selectors.readable_diff(older, newer)
    assert ("Condition 1 · Mobility type", "Student internship", "Student mobility for studies") in rows
    assert ("Condition 1 · Duration per mobility", "3 months", "5 months") in rows
    assert len(rows) == 2


def test_a_condition_added_in_a_version_names_its_institutions_and_language(world, draft_ac):
    versions = list(selectors.versions_of(draft_ac))
    rows = {label: (old, new) for label, old, new in selectors.readable_diff(versions[-1], versions[0])}
    assert rows["Condition 1 · Sending institution"] == ("—", "College A")
    assert rows["Condition 1 · Receiving institution"] == ("—", "Partner C")
    assert rows["Condition 1 · Language"][1] not in ("zh", "—")


def test_the_page_in_russian_shows_no_field_paths_or_codes(client, world, draft_ac):
    _changed(world, draft_ac)
    client.force_login(world["coordinator_a"])
    page = client.get(f"/ru/agreements/{draft_ac.pk}/versions/").text
    assert "conditions[" not in page and "student_study" not in page and "mobility_type" not in page
    assert "Академическая мобильность студентов (обучение)" in page
