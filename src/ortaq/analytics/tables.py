"""Tables of figures with disclosure control applied column by column, whole or a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils.translation import gettext_lazy as _

from . import disclosure
from .scopes import Scope

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a development dependency: for the type checker only

INSTITUTION_ROWS_SHOWN = 50  # on the page; the CSV and XLSX carry every row


@dataclass
class Column:
    name: str  # machine name (API, CSV header in English-free form)
    label: StrOrPromise  # translated lazily, in the reader's language
    people: bool = False  # a count of people: disclosure-controlled
    total: bool = True  # summed in the total row


@dataclass
class Row:
    keys: tuple  # codes (country codes, institution ids, ISCED codes)
    labels: list[str]  # what a reader sees for the keys
    values: list  # numbers; None where withheld


@dataclass
class Table:
    key: str
    title: str
    key_columns: list[Column]
    value_columns: list[Column]
    rows: list[Row]
    total: list | None = None  # one entry per value column (None where withheld or not summed)
    chart: str = ""  # "bar" draws a bar chart of the first value column
    note: str = ""
    shown: int | None = None  # rows on the page; None: all
    more: int = 0  # rows not even fetched (page mode: only the export lists them)

    @property
    def header(self) -> list[str]:
        return [str(c.label) for c in (*self.key_columns, *self.value_columns)]

    @property
    def page_rows(self) -> list[Row]:
        return self.rows if self.shown is None else self.rows[: self.shown]

    @property
    def hidden_rows(self) -> int:
        return self.more + (0 if self.shown is None else max(0, len(self.rows) - self.shown))

    @property
    def chart_hidden(self) -> list[str]:
        """What the chart's bars are called where disclosure control withheld the figure (the first value column,
        the one the chart draws): the page says so in words instead of leaving a gap on the axis."""
        return [" → ".join(r.labels) for r in self.page_rows if r.values and r.values[0] is None]

    @property
    def chart_has_bars(self) -> bool:
        return any(r.values and r.values[0] is not None for r in self.page_rows)

    def export_rows(self) -> list[list]:
        rows = [[*r.labels, *(_published(v) for v in r.values)] for r in self.rows]
        if self.total is not None:
            rows.append([str(_("Total")), *[""] * (len(self.key_columns) - 1), *(_published(v) for v in self.total)])
        return rows

    @property
    def open_header(self) -> list[str]:
        return [n for c in self.key_columns for n in (c.name, f"{c.name}_label")] + [c.name for c in self.value_columns]

    def open_rows(self) -> list[list]:
        """Codes and labels as they are, withheld cells empty (null)."""
        return [[x for k, lbl in zip(r.keys, r.labels) for x in (k, lbl)] + list(r.values) for r in self.rows]

    def as_open_data(self) -> dict:
        def record(keys, labels, values) -> dict:
            item = {}
            for column, key, label in zip(self.key_columns, keys, labels):
                item[column.name] = key
                item[f"{column.name}_label"] = label
            item.update({c.name: v for c, v in zip(self.value_columns, values)})
            return item

        return {
            "dataset": self.key,
            "title": str(self.title),
            "rows": [record(r.keys, r.labels, r.values) for r in self.rows],
            "total": None if self.total is None else {c.name: v for c, v in zip(self.value_columns, self.total)},
        }


def _published(value) -> str | int | float:
    return "<5" if value is None else value


def _build(key, title, key_columns, value_columns, groups, *, scope, chart="", note="", totals=True, shown=None) -> Table:
    """A table from [(keys, labels, values)], with totals and disclosure control applied column by column."""
    rows = [Row(tuple(k), list(lbl), list(v)) for k, lbl, v in groups]
    total: list | None = [] if totals else None
    for i, column in enumerate(value_columns):
        cells = [r.values[i] or 0 for r in rows]
        column_total = sum(cells) if column.total else None
        if column.people and not scope.exact:
            if column.total and totals:
                published, column_total = disclosure.suppress_column(cells)
            else:
                published = [disclosure.suppress_cell(c) for c in cells]
            for r, value in zip(rows, published):
                r.values[i] = value
        if total is not None:
            total.append(column_total)
    return Table(key=key, title=title, key_columns=key_columns, value_columns=value_columns, rows=rows, total=total,
                 chart=chart, note=note, shown=shown)


def _page_and_stats(grouped, *, people: str, sums: list[str], page_order: list[str]) -> tuple[list[dict], dict]:
    """The first rows of a grouped query and, in the same query (window functions over all its rows), the
    number of rows, the column sums, and how many cells of `people` are small and what they add up to."""
    stat_names = ["_rows", "_n_small", "_s_small", *(f"_t_{name}" for name in sums)]
    try:
        sql, params = grouped.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter no row can match (a college without partners, `id IN ()`): compiled to nothing
        return [], dict.fromkeys(stat_names, 0)
    t = disclosure.THRESHOLD
    p = f'g."{people}"'
    windows = ['COUNT(*) OVER () AS "_rows"', f"SUM(CASE WHEN {p} > 0 AND {p} < {t} THEN 1 ELSE 0 END) OVER () AS \"_n_small\"",
               f"SUM(CASE WHEN {p} > 0 AND {p} < {t} THEN {p} ELSE 0 END) OVER () AS \"_s_small\""]
    windows += [f'SUM(g."{name}") OVER () AS "_t_{name}"' for name in sums]
    order = ", ".join(f'g."{f.lstrip("-")}" {"DESC" if f.startswith("-") else "ASC"}' for f in page_order)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT g.*, {', '.join(windows)} FROM ({sql}) g ORDER BY {order} LIMIT {INSTITUTION_ROWS_SHOWN}", params)
        columns = [c[0] for c in cursor.description]
        page = [dict(zip(columns, row)) for row in cursor.fetchall()]
    stats = {name: int(page[0][name] or 0) if page else 0 for name in stat_names}
    return page, stats


def _paged(key, title, key_columns, value_columns, grouped, *, people: str, sums: list[str], page_order: list[str],
           tie_order: list[str], to_groups, scope: Scope, note="") -> Table:
    """A long table's page without fetching every row: the first rows, and the column statistics that
    disclosure control needs (how many small cells and their sum, the smallest larger cell). It withholds
    exactly the cells `disclosure.suppress_column` withholds in the full export (same order on ties)."""
    page, stats = _page_and_stats(grouped, people=people, sums=sums, page_order=page_order)
    complement_keys, total_ok = set(), True
    if not scope.exact and stats["_n_small"]:
        # One larger cell (5 or more) always completes the protection: two cells withheld, adding up to 5 or more.
        larger = list(grouped.filter(**{f"{people}__gte": disclosure.THRESHOLD}).order_by(people, *tie_order)[:1])
        k, total_ok = disclosure.complements(stats["_n_small"], stats["_s_small"], [r[people] for r in larger])
        complement_keys = {tuple(r[t] for t in tie_order) for r in larger[:k]}
    i = sums.index(people)
    rows = []
    for r, (keys, labels, values) in zip(page, to_groups(page)):
        values = list(values)
        if not scope.exact and (0 < (values[i] or 0) < disclosure.THRESHOLD or tuple(r[t] for t in tie_order) in complement_keys):
            values[i] = None
        rows.append(Row(tuple(keys), list(labels), values))
    total = []
    for name in sums:
        value = stats[f"_t_{name}"] or 0
        if name == people and not scope.exact and (not total_ok or 0 < value < disclosure.THRESHOLD):
            value = None
        total.append(value)
    total += [None] * (len(value_columns) - len(sums))
    return Table(key=key, title=title, key_columns=key_columns, value_columns=value_columns, rows=rows, total=total, note=note,
                 more=max(0, stats["_rows"] - len(rows)))
