"""CSV/XLSX import and export of institutions.

Import is all or nothing: every row is validated first, errors are reported row by row in the reader's
language, and nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from ortaq.errors import DomainError, Forbidden
from ortaq.lib.exports import restore

from .forms import InstitutionForm
from .models import Institution, InstitutionKind
from .selectors import may_register_institutions
from .services import institutions_import_rows
from .types import EDITABLE_FIELDS, InstitutionDetails

COLUMNS = EDITABLE_FIELDS
REQUIRED_COLUMNS = ("kind", "name_original", "country")
LIST_COLUMNS = {"accessibility_facilities"}
UNIQUE_COLUMNS = ("kz_bin", "cn_uscc", "schac")


@dataclass(frozen=True)
class ColumnHelp:
    code: str  # the column's name in the file's first row, as typed
    meaning: str  # what it holds, in the reader's language
    required: bool
    values: list[tuple[str, str]] = field(default_factory=list)  # (code to type, its name) where only codes are allowed


def column_guide() -> list[ColumnHelp]:
    """Each column an import file may have, explained in words for the import page."""
    notes = {
        "country": _("two-letter country code, such as KZ or CN"),
        "name_latin": _("filled in from the name in the original script when left empty"),
        "accessibility_facilities": _("several are separated by semicolons"),
    }
    guide = []
    for column in COLUMNS:
        meaning = str(getattr(Institution._meta.get_field(column), "verbose_name", column))
        if column in notes:
            meaning = f"{meaning} ({notes[column]})"
        values = [(str(code), str(label)) for code, label in InstitutionKind.choices] if column == "kind" else []
        guide.append(ColumnHelp(code=column, meaning=meaning[:1].upper() + meaning[1:], required=column in REQUIRED_COLUMNS, values=values))
    return guide


@dataclass
class RowError:
    row: int  # 1-based line number as a spreadsheet shows it (header is row 1)
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for damaged files; all mean the same to the user
        raise DomainError(_("The file could not be read as an Excel workbook (.xlsx)."))
    sheet = workbook.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else str(v).strip() for v in values])
        if len(rows) > settings.IMPORT_MAX_ROWS + 1:
            break
    workbook.close()
    return rows


def read_table(filename: str, content: bytes) -> list[list[str]]:
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise DomainError(_("The file is larger than %(size)d MB.") % {"size": settings.IMPORT_MAX_BYTES // 2**20})
    name = filename.lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        return _read_xlsx(content)
    if name.endswith((".csv", ".txt", ".tsv")):
        return _read_csv(content)
    raise DomainError(_("Please upload a .csv or .xlsx file."))


def _row_data(header: list[str], row: list[str]) -> dict:
    data: dict = {}
    for column, value in zip(header, row):
        value = restore(value.strip())  # a file we exported carries "'+7 727 …"; the quote is not part of the phone number
        if column in LIST_COLUMNS:
            data[column] = [v.strip() for v in value.replace(",", ";").split(";") if v.strip()]
        elif column:
            data[column] = value.strip()
    return data


def institutions_import(*, actor, filename: str, content: bytes, registered_by: Institution | None = None) -> ImportReport:
    if not may_register_institutions(actor=actor):
        raise Forbidden()
    table = [row for row in read_table(filename, content) if any(cell.strip() for cell in row)]
    if not table:
        raise DomainError(_("The file is empty."))
    header = [h.strip().lower() for h in table[0]]
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    report = ImportReport(rows=len(table) - 1)
    if unknown or missing:
        if unknown:
            report.errors.append(RowError(1, ", ".join(unknown), _("Unknown column. Allowed columns: %(cols)s") % {"cols": ", ".join(COLUMNS)}))
        if missing:
            report.errors.append(RowError(1, ", ".join(missing), _("Required column is missing.")))
        return report
    if report.rows > settings.IMPORT_MAX_ROWS:
        raise DomainError(_("The file has more than %(rows)d rows; split it into smaller files.") % {"rows": settings.IMPORT_MAX_ROWS})

    rows: list[InstitutionDetails] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(table[1:], start=2):
        form = InstitutionForm(data=_row_data(header, row))
        if not form.is_valid():
            for column, messages in form.errors.items():
                for message in messages:
                    report.errors.append(RowError(number, column if column != "__all__" else "", str(message)))
            continue
        for column in UNIQUE_COLUMNS:
            value = form.cleaned_data.get(column)
            if value and (column, value) in seen:
                report.errors.append(
                    RowError(number, column, _("The same value appears in row %(row)d.") % {"row": seen[(column, value)]})
                )
            elif value:
                seen[(column, value)] = number
        rows.append(form.details())
    if not report.ok:
        return report
    report.created = len(institutions_import_rows(actor=actor, rows=rows, registered_by=registered_by, filename=filename))
    return report


def export_rows(institutions) -> tuple[list[str], list[list[str]]]:
    rows = []
    for inst in institutions.iterator(chunk_size=2000):
        row = []
        for column in COLUMNS:
            value = getattr(inst, column)
            row.append(";".join(value) if column in LIST_COLUMNS else str(value or ""))
        rows.append(row)
    return list(COLUMNS), rows
