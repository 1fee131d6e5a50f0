"""Reads of the analytics app: who sees which figures, and the tables of each dashboard.

Every table is computed from the pre-aggregated fact tables (see models.py), never from people's records,
and every count of people goes through `disclosure` unless the reader is looking at their own institution.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.agreements.types import MobilityType
from ortaq.credentials.types import CredentialKind
from ortaq.engines import frameworks as fw
from ortaq.institutions.selectors import institution_rows

from . import disclosure
from .models import CredentialFact, MobilityFact, PlacesFact, RecognitionFact, Refresh, Stage, TrainingFact
from .scopes import PUBLIC, Filters, Scope, partners_of, scope_for
from .tables import INSTITUTION_ROWS_SHOWN, Column, Row, Table, _build, _paged

if TYPE_CHECKING:
    from ortaq.accounts.types import Actor

__all__ = ["PUBLIC", "Filters", "Scope", "partners_of", "scope_for", "Table", "Row", "Column", "dashboard", "table_for",
           "open_dataset", "open_dataset_definition", "last_refresh", "OPEN_DATASETS", "disclosure"]


def _lang() -> str:
    return translation.get_language() or "en"


def _country_name(code: str) -> str:
    term = fw.country(code) if code else None
    return fw.localized(term, _lang()) if term else (code or str(_("Unknown")))


def _region_label(name: str, country: str, unknown: str) -> str:
    """"新疆 (中国)" for a Chinese reader, "Шыңжаң (Қытай)" for a Kazakh one: region and country in the reader's language."""
    term = fw.region(country, name) if name else None
    shown = fw.localized(term, _lang()) if term else (name or unknown)
    return f"{shown} ({_country_name(country) if country else '—'})"


def _field_name(code: str) -> str:
    term = fw.isced_field(code) if code else None
    return f"{code} {fw.localized(term, _lang())}" if term else (code or str(_("Not recorded")))


def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return {i.pk: i.display_name for i in institution_rows(ids=ids).only(
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
               (_region_label(r["sending_region"], r["sending_country"], unknown), _region_label(r["receiving_region"], r["receiving_country"], unknown)),
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


def _mean(total, count) -> float | None:
    return None if total is None or not count else round(total / count, 1)


def recognition(filters: Filters, scope: Scope) -> Table:
    """Recognition of returned learners' results, by mobility type: dossiers, decided dossiers, the share of
    decided components recognised (in full or in part) and the mean days from the end of the mobility to
    the decision. The rate and the mean are withheld with the count of decided dossiers they rest on."""
    rows = (RecognitionFact.objects.filter(filters.mobility_q() & scope.mobility_q()).values("mobility_type")
            .annotate(d=Sum("dossiers"), dd=Sum("decided"), idc=Sum("items_decided"), ir=Sum("items_recognised"), days=Sum("days_to_decision"))
            .order_by("mobility_type"))
    labels = dict(MobilityType.choices)
    extra = {r["mobility_type"]: r for r in rows}
    groups = [((k,), (str(labels.get(k, k)),), (r["d"], r["dd"], 0, 0)) for k, r in extra.items()]
    table = _build("recognition", _("Recognition of learning abroad"), [Column("mobility_type", _("Mobility type"))],
                   [Column("dossiers", _("Recognition dossiers"), people=True), Column("decided", _("Decided"), people=True),
                    Column("recognition_rate", _("Components recognised (%)"), total=False),
                    Column("mean_days_to_decision", _("Mean days from return to decision"), total=False)],
                   groups, scope=scope, note=_("A component recognised in full or in part counts as recognised."))
    totals = [0, 0, 0]
    for row in table.rows:
        r = extra[row.keys[0]]
        totals = [totals[0] + (r["ir"] or 0), totals[1] + (r["idc"] or 0), totals[2] + (r["days"] or 0)]
        shown = row.values[1] is not None
        row.values[2] = _rate(r["ir"] if shown else None, r["idc"])
        row.values[3] = _mean(r["days"] if shown else None, r["dd"])
    if table.total is not None:
        shown = table.total[1] is not None
        table.total[2] = _rate(totals[0] if shown else None, totals[1])
        table.total[3] = _mean(totals[2] if shown else None, table.total[1])
    return table


def training(filters: Filters, scope: Scope) -> Table:
    """Managers' professional development by region of their institution: nominated, enrolled, completed, and
    the mean growth in self-assessed competence (shown only where at least 5 managers assessed themselves twice)."""
    rows = (TrainingFact.objects.filter(filters.credentials_q() & scope.credentials_q()).values("country", "region")
            .annotate(n=Sum("nominated"), e=Sum("enrolled"), c=Sum("completed"), gp=Sum("growth_people"), gs=Sum("growth_percent_sum"))
            .order_by("country", "region"))
    unknown = str(_("Not recorded"))
    rows = list(rows)
    groups = [((r["country"], r["region"]), (_region_label(r["region"], r["country"], unknown),), (r["n"], r["e"], r["c"], 0, 0)) for r in rows]
    growth = {(r["country"], r["region"]): (r["gp"] or 0, r["gs"] or 0.0) for r in rows}
    table = _build("training", _("Professional development of managers"), [Column("region", _("Region"))],
                   [Column("nominated", _("Nominated"), people=True), Column("enrolled", _("Enrolled"), people=True),
                    Column("completed", _("Completed"), people=True), Column("completion_rate", _("Completion rate (%)"), total=False),
                    Column("competence_growth", _("Mean growth in self-assessed competence, in percentage points of the scale"), total=False)],
                   groups, scope=scope, chart="bar",
                   note=_("Filtered by year (of the cohort's start), country, region and institution only. Growth is the mean rise between the self-assessments before and after the course, shown where at least 5 managers took both."))
    for row in table.rows:
        row.values[3] = _rate(row.values[2], row.values[1])
        people, total = growth.get(tuple(row.keys), (0, 0.0))
        row.values[4] = round(total / people, 1) if people >= 5 else None
    if table.total is not None:
        table.total[3] = _rate(table.total[2], table.total[1])
        people = sum(p for p, _t in growth.values())
        table.total[4] = round(sum(t for _p, t in growth.values()) / people, 1) if people >= 5 else None
    return table


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


def may_refresh(*, actor: Actor) -> bool:
    """Who is offered "Recalculate now" (services.aggregates_refresh_request decides; this only hides the button)."""
    access = access_for(actor)
    return access.is_admin or access.is_ministry


def refresh_status(*, actor: Actor, refresh_id: int) -> Refresh | None:
    """A rebuild's record, for those who may follow it: admins and ministry analysts (the rebuild covers every
    institution), and coordinators of the institutions it was asked for; None for anyone else."""
    refresh = Refresh.objects.filter(pk=refresh_id).first()
    if refresh is None:
        return None
    access = access_for(actor)
    if access.is_admin or access.is_ministry:
        return refresh
    return refresh if set(refresh.scope or []) & access.institutions_with({Role.COORDINATOR}) else None


def tables_for(filters: Filters, scope: Scope, *, export: bool = False, panels: dict | None = None) -> list[Table]:
    regions, placed = _region_rows(filters, scope), _placed_rows(filters, scope)
    funnel_table = funnel(filters, scope, regions)
    tables = [funnel_table, flows_by_country(filters, scope, regions), flows_by_region(filters, scope, regions)]
    if scope.by_institution:
        tables.append(flows_by_institution(filters, scope, export=export))
    tables += [placements_by_field(filters, scope, placed), placements_by_cluster(filters, scope, placed),
               fill_rates(filters, scope, export=export), credentials(filters, scope), inclusion(filters, scope, funnel_table)]
    # Recognition and professional development appear once the last refresh found any (see docs/analytics.md).
    panels = panels or {}
    if panels.get("recognition"):
        tables.insert(-1, recognition(filters, scope))
    if panels.get("training"):
        tables.insert(-1, training(filters, scope))
    return tables


INSTITUTION_CHOICES_MAX = 300


def _institution_choices(scope: Scope, filters: Filters) -> list[tuple[int, str]]:
    """Colleges choose among their own institutions and partners; others once a region (or country) narrows the list."""
    if scope.is_college:
        ids = scope.own | scope.partners
        qs = institution_rows(ids=ids)
    elif scope.by_institution and (filters.region or filters.country):
        qs = institution_rows().exclude(kind="ministry")
        if filters.region:
            qs = qs.filter(region=filters.region)
        if filters.country:
            qs = qs.filter(country=filters.country)
    else:
        return []
    return sorted(((i.pk, i.display_name) for i in qs.order_by("name_latin")[:INSTITUTION_CHOICES_MAX]), key=lambda p: p[1])


def dashboard(*, actor: Actor, filters: Filters, export: bool = False) -> Dashboard:
    scope = scope_for(actor=actor, view=filters.view)
    if not scope.by_institution and filters.institution:
        filters = replace(filters, institution=None)
    refresh = last_refresh()
    return Dashboard(
        scope=scope, filters=filters, tables=tables_for(filters, scope, export=export, panels=refresh.choices if refresh else {}),
        as_of=refresh.finished_at if refresh else None, choices=refresh.choices if refresh else {},
        institutions=_institution_choices(scope, filters),
    )


OPEN_DATASETS = ("funnel", "flows_country", "flows_region", "placements_field", "placements_cluster", "fill_rates", "credentials", "inclusion",
                 "recognition", "training")


def _one_table(key: str, filters: Filters, scope: Scope) -> Table | None:
    builders = {"funnel": funnel, "flows_country": flows_by_country, "flows_region": flows_by_region, "placements_field": placements_by_field,
                "placements_cluster": placements_by_cluster, "credentials": credentials, "recognition": recognition, "training": training}
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


def open_dataset_definition(*, key: str) -> Table | None:
    """A dataset's columns without its figures: built for a year no row has, so each query finds nothing at once."""
    return open_dataset(key=key, filters=Filters(year=1))


def table_for(*, actor: Actor, filters: Filters, key: str) -> Table | None:
    """One table of the reader's dashboard (for CSV and XLSX export), with the dashboard's scope and filters."""
    scope = scope_for(actor=actor, view=filters.view)
    if not scope.by_institution:
        filters = replace(filters, institution=None)
    return _one_table(key, filters, scope)


def inbox_items(*, actor: Actor) -> list:
    """What waits for a ministry analyst: the dashboards, as fresh as the last refresh."""
    from django.urls import reverse
    from django.utils import formats, timezone
    from django.utils.translation import gettext as _

    from ortaq.accounts.selectors import access_for
    from ortaq.lib.inbox import Action, InboxItem

    if not access_for(actor).is_ministry:
        return []
    refresh = last_refresh()
    finished = getattr(refresh, "finished_at", None) if refresh is not None else None
    return [InboxItem(kind="analytics.dashboards", action=Action.READ, title=_("Dashboards to look at"), url=reverse("analytics:dashboard"),
                      deadline=None, subject=_("figures of %(date)s") % {"date": formats.date_format(timezone.localtime(finished), "SHORT_DATE_FORMAT")} if finished else "")]
