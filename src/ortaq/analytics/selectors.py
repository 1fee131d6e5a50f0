"""Reads of the analytics app: who sees which figures, and the tables of each dashboard.

Every table is computed from the pre-aggregated fact tables (see models.py), never from people's records,
and every count of people goes through `disclosure` unless the reader is looking at their own institution.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.agreements.models import AgreementParty, MobilityType
from ortaq.credentials.models import CredentialKind
from ortaq.engines import frameworks as fw
from ortaq.institutions.models import Institution

from . import disclosure
from .models import CredentialFact, MobilityFact, PlacesFact, Refresh, Stage

INSTITUTION_ROWS_SHOWN = 50  # on the page; the CSV and XLSX carry every row


# ------------------------------------------------------------------------------------------------ filters


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, read from and written back to the URL so that a view can be shared."""

    year: int | None = None
    country: str = ""
    region: str = ""
    institution: int | None = None
    isced: str = ""
    level: str = ""
    mobility_type: str = ""
    stage: str = Stage.DEPARTED
    view: str = "own"

    @classmethod
    def from_query(cls, params) -> Filters:
        """Unknown or malformed values are dropped, not errors: a shared link keeps working."""

        def number(name: str) -> int | None:
            value = (params.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 10 else None

        def text(name: str, max_length: int) -> str:
            return (params.get(name) or "").strip()[:max_length]

        isced = text("isced", 4)
        stage = text("stage", 10)
        view = text("view", 10)
        mobility_type = text("mobility_type", 30)
        return cls(
            year=number("year"),
            country=text("country", 2).upper(),
            region=text("region", 120),
            institution=number("institution"),
            isced=isced if isced.isdigit() else "",
            level=text("level", 2),
            mobility_type=mobility_type if mobility_type in MobilityType.values else "",
            stage=stage if stage in Stage.values else Stage.DEPARTED,
            view=view if view in ("own", "partners") else "own",
        )

    def query(self, **changes) -> str:
        """The URL query of these filters (defaults left out), with `changes` applied."""
        current = replace(self, **changes)
        defaults = Filters()
        return urlencode({
            f.name: getattr(current, f.name) for f in fields(self)
            if getattr(current, f.name) not in (None, "") and getattr(current, f.name) != getattr(defaults, f.name)
        })

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def mobility_q(self) -> Q:
        q = Q()
        if self.year:
            q &= Q(academic_year=self.year)
        if self.country:
            q &= Q(sending_country=self.country) | Q(receiving_country=self.country)
        if self.region:
            q &= Q(sending_region=self.region) | Q(receiving_region=self.region)
        if self.institution:
            q &= Q(sending_id=self.institution) | Q(receiving_id=self.institution)
        if self.isced:
            q &= Q(isced_code__startswith=self.isced)
        if self.level:
            q &= Q(eqf_level=self.level)
        if self.mobility_type:
            q &= Q(mobility_type=self.mobility_type)
        return q

    def credentials_q(self) -> Q:
        """Credentials have a year and an issuer, but no field, level or mobility type."""
        q = Q()
        if self.year:
            q &= Q(academic_year=self.year)
        if self.country:
            q &= Q(country=self.country)
        if self.region:
            q &= Q(region=self.region)
        if self.institution:
            q &= Q(institution_id=self.institution)
        return q


# -------------------------------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """What a reader may see.

    kind: "public" (anonymous and people without an office role: the open data), "ministry" (analysts and
    admins: every institution, aggregates only), "own" (a college's staff: flows that touch their
    institutions, exact), "partners" (the same staff: flows that touch their partners, as aggregates).
    """

    kind: str
    institutions: frozenset[int] | None = None  # flows must touch one of these; None: all
    own: frozenset[int] = frozenset()
    partners: frozenset[int] = frozenset()

    @property
    def exact(self) -> bool:
        """Only a college's own figures are shown exactly; everything else is disclosure-controlled."""
        return self.kind == "own"

    @property
    def by_institution(self) -> bool:
        """Institution-level tables (flows between institutions, fill rate per agreement) need an account."""
        return self.kind != "public"

    @property
    def is_college(self) -> bool:
        return self.kind in ("own", "partners")

    def mobility_q(self) -> Q:
        if self.institutions is None:
            return Q()
        return Q(sending_id__in=self.institutions) | Q(receiving_id__in=self.institutions)

    def credentials_q(self) -> Q:
        return Q() if self.institutions is None else Q(institution_id__in=self.institutions)


PUBLIC = Scope(kind="public")


def partners_of(institution_ids: set[int] | frozenset[int]) -> set[int]:
    """Institutions that share at least one agreement with one of these."""
    agreements = AgreementParty.objects.filter(institution_id__in=institution_ids).values("agreement_id")
    return set(
        AgreementParty.objects.filter(agreement_id__in=agreements)
        .exclude(institution_id__in=institution_ids)
        .values_list("institution_id", flat=True)
        .distinct()
    )


def scope_for(*, actor, view: str = "own") -> Scope:
    access = access_for(actor)
    if access.is_admin or access.is_ministry:
        return Scope(kind="ministry")
    own = frozenset(access.staff_of)
    if not own:
        return PUBLIC
    partners = frozenset(partners_of(own))
    if view == "partners":
        return Scope(kind="partners", institutions=partners, own=own, partners=partners)
    return Scope(kind="own", institutions=own, own=own, partners=partners)


# ------------------------------------------------------------------------------------------------- tables


@dataclass
class Column:
    name: str  # machine name (API, CSV header in English-free form)
    label: str
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


def _lang() -> str:
    return translation.get_language() or "en"


def _country_name(code: str) -> str:
    term = fw.country(code) if code else None
    return fw.localized(term, _lang()) if term else (code or str(_("Unknown")))


def _field_name(code: str) -> str:
    term = fw.isced_field(code) if code else None
    return f"{code} {fw.localized(term, _lang())}" if term else (code or str(_("Not recorded")))


def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return {i.pk: i.display_name for i in Institution.objects.filter(pk__in=ids).only(
        "id", "name_original", "name_latin", "name_kk", "name_ru", "name_zh", "name_en")}


PEOPLE = _("People")


def _mobility(filters: Filters, scope: Scope) -> QuerySet[MobilityFact]:
    return MobilityFact.objects.filter(filters.mobility_q() & scope.mobility_q())


def _places(filters: Filters, scope: Scope) -> QuerySet[PlacesFact]:
    return PlacesFact.objects.filter(filters.mobility_q() & scope.mobility_q())


def funnel(filters: Filters, scope: Scope, region_rows: list[dict] | None = None) -> Table:
    """Applied (submitted applications), placed, departed, completed. Each stage is a subset of the one
    before, so the rows are not added up, and each is withheld on its own when small."""
    got: dict[str, list[int]] = {}
    for r in region_rows if region_rows is not None else _region_rows(filters, scope):
        sums = got.setdefault(r["stage"], [0, 0])
        sums[0] += r["p"]
        sums[1] += r["n"]
    groups = [((s.value,), (str(s.label),), tuple(got.get(s.value, (0, 0)))) for s in Stage]
    return _build("funnel", _("Application funnel"), [Column("stage", _("Stage"))],
                  [Column("people", PEOPLE, people=True), Column("with_needs", _("With accessibility needs (consented)"), people=True)],
                  groups, scope=scope, chart="bar", totals=False)


def _page_and_stats(grouped, *, people: str, sums: list[str], page_order: list[str]) -> tuple[list[dict], dict]:
    """The first rows of a grouped query and, in the same query (window functions over all its rows), the
    number of rows, the column sums, and how many cells of `people` are small and what they add up to."""
    sql, params = grouped.order_by().query.sql_with_params()
    t = disclosure.THRESHOLD
    p = f'g."{people}"'
    windows = [f'COUNT(*) OVER () AS "_rows"', f"SUM(CASE WHEN {p} > 0 AND {p} < {t} THEN 1 ELSE 0 END) OVER () AS \"_n_small\"",
               f"SUM(CASE WHEN {p} > 0 AND {p} < {t} THEN {p} ELSE 0 END) OVER () AS \"_s_small\""]
    windows += [f'SUM(g."{name}") OVER () AS "_t_{name}"' for name in sums]
    order = ", ".join(f'g."{f.lstrip("-")}" {"DESC" if f.startswith("-") else "ASC"}' for f in page_order)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT g.*, {', '.join(windows)} FROM ({sql}) g ORDER BY {order} LIMIT {INSTITUTION_ROWS_SHOWN}", params)
        columns = [c[0] for c in cursor.description]
        page = [dict(zip(columns, row)) for row in cursor.fetchall()]
    stat_names = ["_rows", "_n_small", "_s_small", *(f"_t_{name}" for name in sums)]
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


def _region_rows(filters: Filters, scope: Scope) -> list[dict]:
    """People by stage and region pair: one scan serves the funnel and the country and region flows."""
    return list(_mobility(filters, scope).values("stage", "sending_country", "sending_region", "receiving_country", "receiving_region")
                .annotate(p=Sum("people"), n=Sum("with_needs")).order_by())


def _at_stage(rows: list[dict], stage: str) -> list[dict]:
    return [r for r in rows if r["stage"] == stage]


def flows_by_country(filters: Filters, scope: Scope, region_rows: list[dict] | None = None) -> Table:
    sums: dict[tuple, int] = {}
    for r in _at_stage(region_rows if region_rows is not None else _region_rows(filters, scope), filters.stage):
        key = (r["sending_country"], r["receiving_country"])
        sums[key] = sums.get(key, 0) + r["p"]
    ordered = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))
    groups = [(k, (_country_name(k[0]), _country_name(k[1])), (p,)) for k, p in ordered]
    return _build("flows_country", _("Flows by country and direction"),
                  [Column("sending_country", _("From (country)")), Column("receiving_country", _("To (country)"))],
                  [Column("people", PEOPLE, people=True)], groups, scope=scope, chart="bar")


def flows_by_region(filters: Filters, scope: Scope, region_rows: list[dict] | None = None) -> Table:
    unknown = str(_("Not recorded"))
    rows = _at_stage(region_rows if region_rows is not None else _region_rows(filters, scope), filters.stage)
    rows.sort(key=lambda r: (-r["p"], r["sending_country"], r["sending_region"], r["receiving_country"], r["receiving_region"]))
    groups = [((r["sending_region"], r["receiving_region"]),
               (f"{r['sending_region'] or unknown} ({r['sending_country']})", f"{r['receiving_region'] or unknown} ({r['receiving_country'] or '—'})"),
               (r["p"],)) for r in rows]
    return _build("flows_region", _("Flows by region"),
                  [Column("sending_region", _("From (region)")), Column("receiving_region", _("To (region)"))],
                  [Column("people", PEOPLE, people=True)], groups, scope=scope, chart="bar", shown=INSTITUTION_ROWS_SHOWN)


def flows_by_institution(filters: Filters, scope: Scope, *, export: bool = False) -> Table:
    grouped = _mobility(filters, scope).filter(stage=filters.stage).values("sending_id", "receiving_id").annotate(p=Sum("people"))
    order = ["sending_id", "receiving_id"]
    title, key_columns = _("Flows by institution"), [Column("sending_institution", _("Sending institution")), Column("receiving_institution", _("Receiving institution"))]
    value_columns = [Column("people", PEOPLE, people=True)]

    def to_groups(rows):
        names = _names({r["sending_id"] for r in rows} | {r["receiving_id"] for r in rows})
        return [((r["sending_id"], r["receiving_id"]), (names.get(r["sending_id"], f"#{r['sending_id']}"),
                 names.get(r["receiving_id"], f"#{r['receiving_id']}") if r["receiving_id"] else str(_("No choice"))), (r["p"],)) for r in rows]

    if export:
        return _build("flows_institution", title, key_columns, value_columns, to_groups(list(grouped.order_by("-p", *order))), scope=scope)
    return _paged("flows_institution", title, key_columns, value_columns, grouped, people="p", sums=["p"], page_order=["-p", *order],
                  tie_order=order, to_groups=to_groups, scope=scope)


def _placed_rows(filters: Filters, scope: Scope) -> list[dict]:
    """Placements by field and cluster: one query serves both tables."""
    return list(_mobility(filters, scope).filter(stage=Stage.PLACED).values("isced_code", "receiving_cluster_id").annotate(p=Sum("people")))


def placements_by_field(filters: Filters, scope: Scope, placed_rows: list[dict] | None = None) -> Table:
    sums: dict[str, int] = {}
    for r in placed_rows if placed_rows is not None else _placed_rows(filters, scope):
        sums[r["isced_code"]] = sums.get(r["isced_code"], 0) + r["p"]
    groups = [((code,), (_field_name(code),), (p,)) for code, p in sorted(sums.items())]
    return _build("placements_field", _("Placements by field (ISCED-F 2013)"), [Column("isced_code", _("Field"))],
                  [Column("people", PEOPLE, people=True)], groups, scope=scope, chart="bar")


def placements_by_cluster(filters: Filters, scope: Scope, placed_rows: list[dict] | None = None) -> Table:
    sums: dict[int | None, int] = {}
    for r in placed_rows if placed_rows is not None else _placed_rows(filters, scope):
        sums[r["receiving_cluster_id"]] = sums.get(r["receiving_cluster_id"], 0) + r["p"]
    ordered = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or 0))
    names = _names(k for k, _p in ordered)
    outside = str(_("Host in no industrial cluster"))
    groups = [((k,), (names.get(k, outside),), (p,)) for k, p in ordered]
    return _build("placements_cluster", _("Placements by industrial cluster of the host"), [Column("cluster", _("Industrial cluster"))],
                  [Column("people", PEOPLE, people=True)], groups, scope=scope, chart="bar")


def _rate(part, whole) -> float | None:
    return None if part is None or not whole else round(100 * part / whole, 1)


def fill_rates(filters: Filters, scope: Scope, *, export: bool = False) -> Table:
    """Places agreed per year in cooperation conditions, places offered in calls, people nominated.

    Per agreement for accounts (the page lists the agreements with most places first); per country pair in
    the open data."""
    qs = _places(filters, scope)
    title = _("Fill rate of agreed places")
    value_columns = [Column("places", _("Places agreed")), Column("offered", _("Places offered in calls")),
                     Column("nominated", _("People nominated"), people=True), Column("fill_rate", _("Fill rate (%)"), total=False)]
    if scope.by_institution:
        key_columns = [Column("agreement", _("Agreement"))]
        grouped = qs.values("agreement_id", "agreement_title").annotate(pl=Sum("places"), of=Sum("offered"), no=Sum("nominated"))

        def to_group(r):
            return (r["agreement_id"],), (r["agreement_title"],), (r["pl"], r["of"], r["no"], 0)

        if export:
            table = _build("fill_rates", title, key_columns, value_columns,
                           [to_group(r) for r in grouped.order_by("agreement_title", "agreement_id")], scope=scope)
        else:
            table = _paged("fill_rates", title, key_columns, value_columns, grouped, people="no", sums=["pl", "of", "no"],
                           page_order=["-pl", "agreement_title", "agreement_id"], tie_order=["agreement_title", "agreement_id"],
                           to_groups=lambda rows: [to_group(r) for r in rows], scope=scope)
    else:
        key_columns = [Column("sending_country", _("From (country)")), Column("receiving_country", _("To (country)"))]
        rows = qs.values("sending_country", "receiving_country").annotate(pl=Sum("places"), of=Sum("offered"), no=Sum("nominated")).order_by("sending_country", "receiving_country")
        groups = [((r["sending_country"], r["receiving_country"]), (_country_name(r["sending_country"]), _country_name(r["receiving_country"])), (r["pl"], r["of"], r["no"], 0)) for r in rows]
        table = _build("fill_rates", title, key_columns, value_columns, groups, scope=scope)
    for r in table.rows:
        r.values[3] = _rate(r.values[2], r.values[0])
    if table.total is not None:
        table.total[3] = _rate(table.total[2], table.total[0])
    return table


def credentials(filters: Filters, scope: Scope) -> Table:
    qs = CredentialFact.objects.filter(filters.credentials_q() & scope.credentials_q()).values("kind").annotate(
        i=Sum("issued"), v=Sum("verified"), r=Sum("revoked"), s=Sum("suspended")).order_by("kind")
    labels = dict(CredentialKind.choices)
    groups = [((r["kind"],), (str(labels.get(r["kind"], r["kind"])),), (r["i"], r["v"], r["r"], r["s"])) for r in qs]
    return _build("credentials", _("Credentials"), [Column("kind", _("Kind"))],
                  [Column("issued", _("Issued"), people=True), Column("verified", _("Verified")),
                   Column("revoked", _("Revoked"), people=True), Column("suspended", _("Suspended"), people=True)],
                  groups, scope=scope, chart="bar",
                  note=_("Filtered by year, country, region and institution only. Verifications are counted from the day the credentials app records them."))


def inclusion(filters: Filters, scope: Scope, funnel_table: Table) -> Table:
    places = _places(filters, scope).aggregate(reserved=Sum("reserved_inclusion"), supported=Count("id", filter=Q(has_inclusion_support=True)))
    hosts = _mobility(filters, scope).filter(stage=Stage.PLACED, receiving_has_facilities=True).aggregate(n=Count("receiving_id", distinct=True))["n"]
    needs = {r.keys[0]: r.values[1] for r in funnel_table.rows}
    groups = [
        (("applied_with_needs",), (str(_("Applicants with accessibility needs (consented)")),), (needs.get(Stage.APPLIED),)),
        (("placed_with_needs",), (str(_("Placed participants with accessibility needs (consented)")),), (needs.get(Stage.PLACED),)),
        (("departed_with_needs",), (str(_("Departed participants with accessibility needs (consented)")),), (needs.get(Stage.DEPARTED),)),
        (("reserved_places",), (str(_("Places reserved for applicants with accessibility needs in calls")),), (places["reserved"] or 0,)),
        (("conditions_with_support",), (str(_("Agreement conditions (per year) offering inclusion support")),), (places["supported"] or 0,)),
        (("hosts_with_facilities",), (str(_("Host institutions with accessibility facilities")),), (hosts or 0,)),
    ]
    table = _build("inclusion", _("Inclusion"), [Column("measure", _("Measure"))], [Column("value", _("Value"))], groups,
                   scope=scope, totals=False)
    return table


@dataclass
class Dashboard:
    scope: Scope
    filters: Filters
    tables: list[Table]
    as_of: object = None
    choices: dict = field(default_factory=dict)
    institutions: list = field(default_factory=list)  # (id, name) the institution filter offers

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)

    @property
    def options(self) -> dict:
        """What each filter offers, named in the reader's language."""
        regions = self.choices.get("regions", {})
        if self.filters.country:
            region_names = regions.get(self.filters.country, [])
        else:
            region_names = sorted({r for names in regions.values() for r in names})
        fields_ = self.choices.get("fields", [])
        broad = sorted({f[:2] for f in fields_})
        return {
            "years": [(y, f"{y}/{y + 1}") for y in self.choices.get("years", [])],
            "countries": [(c, _country_name(c)) for c in self.choices.get("countries", [])],
            "regions": region_names,
            "fields": [(c, _field_name(c)) for c in sorted({*broad, *fields_})],
            "levels": self.choices.get("levels", []),
        }


def last_refresh() -> Refresh | None:
    return Refresh.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()


def tables_for(filters: Filters, scope: Scope, *, export: bool = False) -> list[Table]:
    regions, placed = _region_rows(filters, scope), _placed_rows(filters, scope)
    funnel_table = funnel(filters, scope, regions)
    tables = [funnel_table, flows_by_country(filters, scope, regions), flows_by_region(filters, scope, regions)]
    if scope.by_institution:
        tables.append(flows_by_institution(filters, scope, export=export))
    tables += [placements_by_field(filters, scope, placed), placements_by_cluster(filters, scope, placed),
               fill_rates(filters, scope, export=export), credentials(filters, scope), inclusion(filters, scope, funnel_table)]
    # Recognition and professional development join here once their apps exist (see docs/analytics.md).
    return tables


INSTITUTION_CHOICES_MAX = 300


def _institution_choices(scope: Scope, filters: Filters) -> list[tuple[int, str]]:
    """Colleges choose among their own institutions and partners; others once a region (or country) narrows the list."""
    if scope.is_college:
        ids = scope.own | scope.partners
        qs = Institution.objects.filter(pk__in=ids)
    elif scope.by_institution and (filters.region or filters.country):
        qs = Institution.objects.exclude(kind="ministry")
        if filters.region:
            qs = qs.filter(region=filters.region)
        if filters.country:
            qs = qs.filter(country=filters.country)
    else:
        return []
    return sorted(((i.pk, i.display_name) for i in qs.order_by("name_latin")[:INSTITUTION_CHOICES_MAX]), key=lambda p: p[1])


def dashboard(*, actor, filters: Filters, export: bool = False) -> Dashboard:
    scope = scope_for(actor=actor, view=filters.view)
    if not scope.by_institution and filters.institution:
        filters = replace(filters, institution=None)
    refresh = last_refresh()
    return Dashboard(
        scope=scope, filters=filters, tables=tables_for(filters, scope, export=export),
        as_of=refresh.finished_at if refresh else None, choices=refresh.choices if refresh else {},
        institutions=_institution_choices(scope, filters),
    )


OPEN_DATASETS = ("funnel", "flows_country", "flows_region", "placements_field", "placements_cluster", "fill_rates", "credentials", "inclusion")


def _one_table(key: str, filters: Filters, scope: Scope) -> Table | None:
    builders = {"funnel": funnel, "flows_country": flows_by_country, "flows_region": flows_by_region, "placements_field": placements_by_field,
                "placements_cluster": placements_by_cluster, "credentials": credentials}
    if key == "fill_rates":
        return fill_rates(filters, scope, export=True)
    if key == "flows_institution":
        return flows_by_institution(filters, scope, export=True) if scope.by_institution else None
    if key == "inclusion":
        return inclusion(filters, scope, funnel(filters, scope))
    return builders[key](filters, scope) if key in builders else None


def open_dataset(*, key: str, filters: Filters) -> Table | None:
    """One open dataset, as anyone may see it (no account, disclosure-controlled, no institution filter)."""
    if key not in OPEN_DATASETS:
        return None
    return _one_table(key, replace(filters, institution=None, view="own"), PUBLIC)


def table_for(*, actor, filters: Filters, key: str) -> Table | None:
    """One table of the reader's dashboard (for CSV and XLSX export), with the dashboard's scope and filters."""
    scope = scope_for(actor=actor, view=filters.view)
    if not scope.by_institution:
        filters = replace(filters, institution=None)
    return _one_table(key, filters, scope)
