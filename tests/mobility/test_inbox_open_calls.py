"""A student with nothing started still finds work on her home page: the open calls of her own college that she
has not applied to, with their deadline and a link she may open. Once she starts an application the call leaves
that line (her draft is listed instead); students of other colleges are not told of it."""

from __future__ import annotations

from ortaq.mobility import selectors, services
from tests.conftest import make_user
from tests.mobility.conftest import application_input, students


def kinds(actor) -> dict:
    return {item.kind: item for item in selectors.inbox_items(actor=actor)}


def test_an_open_call_of_her_college_waits_for_a_student_who_has_not_applied(client, world, open_call):
    [student] = students(world, 1)
    item = kinds(student)["mobility.open_call"]
    assert item.count == 1 and item.deadline == open_call.deadline and item.subject == open_call.title
    client.force_login(student)
    assert client.get(item.url).status_code == 200


def test_the_call_leaves_the_line_once_she_has_started_an_application(world, open_call):
    [student] = students(world, 1)
    services.application_save(actor=student, call=open_call, option_ids=[open_call.options.first().pk], submit=False,
                              application=application_input(year_of_study=2, grade="85"))
    found = kinds(student)
    assert "mobility.open_call" not in found and "mobility.application" in found


def test_students_of_another_college_are_not_told_of_the_call(world, open_call):
    outsider = make_user("student_of_b", (world.b, "student"))
    assert "mobility.open_call" not in kinds(outsider)
