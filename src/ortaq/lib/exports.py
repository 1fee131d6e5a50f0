"""CSV and XLSX files that a spreadsheet program opens without running anything in them.

Every export of the platform carries text that people typed (institution names, agreement titles, regions).
A spreadsheet program treats a cell starting with `=`, `+`, `-` or `@` as a formula, and one starting with a
tab or a carriage return can turn into one once it is trimmed; `=HYPERLINK(...)` in a college's name would
then send whoever opens the export to a stranger's site with the cell's neighbours in the address. OWASP's
guidance on CSV injection is to prefix such text with a single quote, which the program shows as text.

Numbers are data, not text: a negative count written by us stays a number. Only text is neutralised.
XLSX cells of text are also stored as text cells explicitly, so that nothing becomes a formula or an error
value ("#N/A") whatever it starts with; they carry the quote too, so a workbook re-saved as CSV stays safe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# Characters XML 1.0 cannot carry (openpyxl refuses them): a stray control character in someone's text must
# not turn the whole export into an error page, so it is shown as the replacement character instead.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PLAIN = (bool, int, float, Decimal, dt.date, dt.time, dt.timedelta)  # dt.datetime is a dt.date

Cell = str | int | float | Decimal | dt.date | dt.time | dt.timedelta | None


def neutralise(value: object) -> Cell:
    """A cell's value as it may be written: numbers, dates and empty cells as they are; anything else as
    text, quoted when a spreadsheet program would read it as a formula."""
    if value is None or isinstance(value, _PLAIN):
        return value
    text = str(value)  # lazy translations and other objects are written as their text
    return QUOTE + text if text.startswith(FORMULA_TRIGGERS) else text


def restore(text: str) -> str:
    """The text a neutralised cell was made from (for importing a file we exported): only a quote that
    `neutralise` would have added is taken off."""
    if text.startswith(QUOTE) and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def csv_text(header: list, rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8 (Cyrillic, Chinese)
    writer = csv.writer(buffer)
    writer.writerow([neutralise(v) for v in header])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return buffer.getvalue()


def xlsx_bytes(header: list, rows: Iterable[Iterable], *, sheet: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_sheet_title(sheet))

    def cell(value: object) -> WriteOnlyCell:
        value = neutralise(value)
        if isinstance(value, str):
            value = neutralise(_NOT_IN_XML.sub("\ufffd", value))
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones: written in UTC
        # A fresh cell per value: the write-only sheet reuses the last cell object it was given.
        written = WriteOnlyCell(worksheet, value=value)
        if isinstance(value, str):
            written.data_type = "s"  # never a formula ("f") nor an error value ("e"), whatever the text is
        return written

    worksheet.append([cell(v) for v in header])
    for row in rows:
        worksheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    """Excel limits a sheet's name to 31 characters without []:*?/\\ ."""
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "Sheet"
