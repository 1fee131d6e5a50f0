import io

import pytest
from openpyxl import Workbook

from ortaq.errors import DomainError, Forbidden
from ortaq.institutions.importing import institutions_import
from ortaq.institutions.models import Institution
from ortaq.validators import kz_check_digit


def bin_for(first11: str) -> str:
    return first11 + str(kz_check_digit(first11))


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    ["kind", "name_original", "country", "city", "kz_bin", "accessibility_facilities"],
    ["college", "Түркістан көпсалалы колледжі", "KZ", "Түркістан", bin_for("99014000011"), "step_free_access; hearing_loop"],
    ["enterprise", "西安新材料有限公司", "CN", "西安", "", ""],
]


def test_a_valid_csv_creates_every_row(world):
    content = csv_bytes(*(",".join(row) for row in GOOD_ROWS))
    report = institutions_import(actor=world["coordinator_a"], filename="partners.csv", content=content)
    assert report.ok and report.created == 2
    college = Institution.objects.get(name_original="Түркістан көпсалалы колледжі")
    assert college.accessibility_facilities == ["step_free_access", "hearing_loop"]
    assert Institution.objects.get(name_original="西安新材料有限公司").name_latin == "Xi An Xin Cai Liao You Xian Gong Si"


def test_a_valid_xlsx_creates_every_row(world):
    report = institutions_import(actor=world["coordinator_a"], filename="partners.xlsx", content=xlsx_bytes(GOOD_ROWS))
    assert report.ok and report.created == 2


def test_one_bad_row_means_nothing_is_written_and_each_error_names_row_and_column(world):
    before = Institution.objects.count()
    rows = GOOD_ROWS + [["college", "Bad BIN college", "KZ", "X", "123456789012", ""], ["spaceport", "", "ZZ", "", "", ""]]
    report = institutions_import(actor=world["coordinator_a"], filename="partners.xlsx", content=xlsx_bytes(rows))
    assert not report.ok
    assert Institution.objects.count() == before
    located = {(e.row, e.column) for e in report.errors}
    assert (4, "kz_bin") in located
    assert {(5, "kind"), (5, "name_original"), (5, "country")} <= located


def test_duplicates_within_the_file_are_reported(world):
    row = ["college", "Twin", "KZ", "X", bin_for("99014000011"), ""]
    report = institutions_import(actor=world["coordinator_a"], filename="twins.xlsx", content=xlsx_bytes([GOOD_ROWS[0], row, row]))
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, "kz_bin")]
    assert not Institution.objects.filter(name_original="Twin").exists()


def test_unknown_and_missing_columns_are_reported_before_any_row(world):
    report = institutions_import(actor=world["coordinator_a"], filename="x.csv", content=csv_bytes("name,colour", "A,red"))
    assert not report.ok
    assert {e.row for e in report.errors} == {1}


@pytest.mark.parametrize(
    "filename, content",
    [
        ("x.csv", "kind,name_original,country\ncollege,Алматы,KZ\n".encode("cp1251")),
        ("x.xlsx", b"PK\x03\x04 this is not a workbook"),
        ("x.pdf", b"%PDF-1.4"),
        ("x.csv", b""),
    ],
)
def test_unreadable_files_get_a_clear_error_and_write_nothing(world, filename, content):
    before = Institution.objects.count()
    with pytest.raises(DomainError):
        institutions_import(actor=world["coordinator_a"], filename=filename, content=content)
    assert Institution.objects.count() == before


def test_errors_are_reported_in_the_users_language(world):
    from django.utils import translation

    rows = [GOOD_ROWS[0], ["college", "X", "KZ", "X", "123", ""]]
    with translation.override("ru"):
        report = institutions_import(actor=world["coordinator_a"], filename="x.xlsx", content=xlsx_bytes(rows))
    assert any("\u0400" <= ch <= "\u04ff" for ch in report.errors[0].message)


def test_only_people_who_may_register_institutions_may_import(world):
    with pytest.raises(Forbidden):
        institutions_import(actor=world["student_a"], filename="x.csv", content=csv_bytes("kind,name_original,country"))


def test_the_web_import_page_shows_the_row_report(client, world):
    client.force_login(world["coordinator_a"])
    upload = io.BytesIO(xlsx_bytes([GOOD_ROWS[0], ["college", "X", "KZ", "X", "123", ""]]))
    upload.name = "bad.xlsx"
    response = client.post("/en/institutions/import/", {"file": upload})
    assert response.status_code == 422  # nothing was imported: a refusal, with the report of every row
    assert b"kz_bin" in response.content and b"A BIN has exactly 12 digits." in response.content


def test_the_import_page_explains_every_column_in_words_and_keeps_the_names_as_code(client, world):
    client.force_login(world["coordinator_a"])
    page = client.get("/en/institutions/import/").text
    assert "<code>name_original</code>" in page and "Name in original script" in page
    assert "<code>joint_college</code> (Joint college)" in page
    assert "two-letter country code" in page
    assert "Required: kind, name_original" not in page
