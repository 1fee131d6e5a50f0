"""A manager's self-assessment leaves their college only inside aggregates of 5 or more people."""

import csv
import io

import pytest
from openpyxl import load_workbook

from ortaq.training import selectors, services
from tests.conftest import make_user


def rate(value: str) -> dict:
    from ortaq.engines import frameworks as fw

    return {e.code: value for e in fw.competency_framework("unesco_ai_teachers").elements}


def take_part(cohort, manager, coordinator, trainer, *, before: str, after: str):
    """Nominated by their college, enrolled, and assessed before and after the course (the cohort is running)."""
    enrolment = services.nominate(actor=coordinator, cohort=cohort, manager=manager)
    services.enrolment_decide(actor=trainer, enrolment=enrolment, enrol=True)
    for phase, level in (("before", before), ("after", after)):
        services.self_assessment_submit(actor=manager, enrolment=enrolment, phase=phase, framework="unesco_ai_teachers", ratings=rate(level))
    return enrolment


@pytest.fixture
def running(world, cohort, people):
    """Manager A rated themself 1 before and 3 after in every area; manager B 2 and 2."""
    trainer, manager_a, manager_b = people
    cohort.capacity = 20
    cohort.save()
    services.cohort_set_state(actor=trainer, cohort=cohort, state="running")
    cohort.refresh_from_db()
    take_part(cohort, manager_a, world["coordinator_a"], trainer, before="1", after="3")
    take_part(cohort, manager_b, world["coordinator_b"], trainer, before="2", after="2")
    return cohort


def part(report: dict, key: str) -> dict:
    return next(p for p in report["parts"] if p["key"] == key)


def means(part: dict) -> set:
    return {(a["n"], a["before"], a["after"], a["growth"]) for a in part["areas"]}


def report_section(page: str) -> str:
    return page.split('id="report-heading"', 1)[1]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    return [list(r) for r in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)]


def test_another_colleges_coordinator_and_the_ministry_never_see_one_managers_ratings(client, world, running):
    # B's coordinator sees B's one manager exactly, and A's one manager not at all; the analyst sees neither.
    report_b = selectors.cohort_report(actor=world["coordinator_b"], cohort=running)
    assert [p["key"] for p in report_b["parts"]] == ["own", "other"]
    assert means(part(report_b, "own")) == {(1, 2.0, 2.0, 0.0)}
    assert means(part(report_b, "other")) == {(None, None, None, None)}
    # Zeros are shown (an empty cell reveals no one), as in open data.
    assert [part(report_b, "other")[k] for k in ("nominated", "enrolled", "completed", "completion_rate")] == [None, None, 0, None]
    report_ministry = selectors.cohort_report(actor=world["analyst"], cohort=running)
    assert [p["key"] for p in report_ministry["parts"]] == ["all"]
    assert means(part(report_ministry, "all")) == {(None, None, None, None)}

    for who in ("coordinator_b", "analyst"):
        client.force_login(world[who])
        section = report_section(client.get(f"/en/training/{running.pk}/").content.decode())
        foreign = section.split('id="report-other"' if who == "coordinator_b" else 'id="report-all"', 1)[1]
        assert "fewer than 5" in foreign and "1.0" not in foreign and "3.0" not in foreign and "2.0" not in foreign
        rows = csv_rows(client.get(f"/en/training/{running.pk}/report.csv"))
        cells = xlsx_rows(client.get(f"/en/training/{running.pk}/report.xlsx"))
        foreign_key = "other" if who == "coordinator_b" else "all"
        for table in (rows, [["" if v is None else str(v) for v in row] for row in cells]):
            assert table[0][-1] == "note"
            foreign_rows = [r for r in table[1:] if r[0] == foreign_key]
            assert len(foreign_rows) == 6  # five areas and the enrolment counts
            assert all(r[3:7] == ["", "", "", ""] for r in foreign_rows[:5]) and foreign_rows[5][3:7] == ["", "", "0", ""]
            assert {r[-1] for r in foreign_rows} == {"withheld: fewer than 5 people"}


def test_the_report_by_college_withholds_small_colleges_from_the_ministry_in_the_page_and_the_exports(client, world, running):
    rows = selectors.institution_report(actor=world["analyst"])
    assert [(r["institution"], r["nominated"], r["enrolled"], r["completed"], r["completion_rate"], r["mean_growth"]) for r in rows] == [
        (world.a, None, None, 0, None, None), (world.b, None, None, 0, None, None)]
    client.force_login(world["analyst"])
    page = client.get("/en/training/report/").content.decode()
    assert page.count('class="withheld"') == 8 and "Figures computed from fewer than 5 people are withheld" in page
    exported = csv_rows(client.get("/en/training/report/", {"format": "csv"}))
    assert exported[1] == ["College A", "", "", "0", "", "", "withheld: fewer than 5 people"]
    assert xlsx_rows(client.get("/en/training/report/", {"format": "xlsx"}))[2] == ["College B", None, None, 0, None, None, "withheld: fewer than 5 people"]
    # B's coordinator gets B's exact row only.
    client.force_login(world["coordinator_b"])
    assert csv_rows(client.get("/en/training/report/", {"format": "csv"}))[1:] == [["College B", "1", "1", "0", "0", "0.0", ""]]


def test_figures_appear_once_five_managers_count(world, running, people):
    trainer, *_ = people
    for i in range(4):  # five managers of A now, all rating 1 before and 3 after
        take_part(running, make_user(f"manager_a{i}", (world.a, "manager_in_training")), world["coordinator_a"], trainer, before="1", after="3")
    other = part(selectors.cohort_report(actor=world["coordinator_b"], cohort=running), "other")
    assert means(other) == {(5, 1.0, 3.0, 2.0)}
    assert (other["nominated"], other["enrolled"], other["completed"], other["completion_rate"]) == (5, 5, 0, 0)
    everyone = part(selectors.cohort_report(actor=world["analyst"], cohort=running), "all")
    assert means(everyone) == {(6, round(7 / 6, 2), round(17 / 6, 2), round(round(17 / 6, 2) - round(7 / 6, 2), 2))}
    by_college = {r["institution"]: r for r in selectors.institution_report(actor=world["analyst"])}
    assert (by_college[world.a]["nominated"], by_college[world.a]["mean_growth"]) == (5, 2.0)
    assert (by_college[world.b]["nominated"], by_college[world.b]["mean_growth"]) == (None, None)


def test_the_managers_own_college_their_trainer_and_they_themselves_see_exact_figures(client, world, running, people):
    trainer, manager_a, _ = people
    for who in ("coordinator_a", "registrar_a"):
        report = selectors.cohort_report(actor=world[who], cohort=running)
        assert means(part(report, "own")) == {(1, 1.0, 3.0, 2.0)}
        client.force_login(world[who])
        rows = csv_rows(client.get(f"/en/training/{running.pk}/report.csv"))
        assert ["own", "unesco_ai_teachers", "ethics", "1", "1.0", "3.0", "2.0", "3", ""] in rows
        assert "Manager_A" in client.get(f"/en/training/{running.pk}/").content.decode()
        assert [(r["institution"], r["nominated"], r["mean_growth"]) for r in selectors.institution_report(actor=world[who])] == [(world.a, 1, 2.0)]
    assert means(part(selectors.cohort_report(actor=trainer, cohort=running), "all")) == {(2, 1.5, 2.5, 1.0)}
    client.force_login(manager_a)
    page = client.get(f"/en/training/{running.pk}/")
    assert page.context["report"] is None and {(r["before"], r["after"]) for r in page.context["growth"]} == {(1, 3)}
    assert client.get(f"/en/training/{running.pk}/report.csv").status_code == 403


def test_session_feedback_stays_in_the_class(client, world, running, people):
    trainer, manager_a, manager_b = people
    session = running.sessions.first()
    services.feedback_add(actor=manager_a, session=session, text="My college still has no data policy")
    client.force_login(manager_b)
    assert "no data policy" in client.get(f"/en/training/{running.pk}/").content.decode()
    for who in ("analyst", "coordinator_b", "coordinator_a"):
        client.force_login(world[who])
        assert "no data policy" not in client.get(f"/en/training/{running.pk}/").content.decode()
