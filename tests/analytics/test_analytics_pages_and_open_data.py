"""The dashboard page, its filters in the URL, its exports and the public open-data API."""

import csv
import io

from ortaq.analytics.selectors import Filters


def test_filters_are_read_from_the_url_and_written_back_without_defaults():
    filters = Filters.from_query({"year": "2026", "country": "kz", "isced": "07", "mobility_type": "nonsense", "stage": "placed", "institution": "x"})
    assert (filters.year, filters.country, filters.isced, filters.mobility_type, filters.stage, filters.institution) == (2026, "KZ", "07", "", "placed", None)
    assert filters.query() == "year=2026&country=KZ&isced=07&stage=placed"
    assert Filters.from_query({}).query() == ""


def test_the_dashboard_filters_by_year_region_and_field_and_says_how_fresh_it_is(client, figures):
    client.force_login(figures.world["analyst"])
    response = client.get("/en/analytics/", {"year": "2026", "region": "Astana", "stage": "applied"})
    body = response.content.decode()
    assert "Figures as of" in body
    data = response.context["data"]
    assert [r.values[0] for r in data.table("funnel").rows] == [None, None, 0, 0]  # B's 3 and 2: withheld
    assert client.get("/en/analytics/", {"isced": "0714"}).context["data"].table("funnel").rows[0].values[0] == 12
    assert client.get("/en/analytics/", {"year": "2025"}).context["data"].table("funnel").rows[0].values[0] == 0


def test_flows_by_country_and_direction_sum_the_chosen_stage(client, figures):
    client.force_login(figures.world["analyst"])
    table = client.get("/en/analytics/", {"stage": "applied"}).context["data"].table("flows_country")
    assert [(r.keys, r.values) for r in table.rows] == [(("KZ", "CN"), [15])]


def test_placements_by_field_and_cluster_and_the_inclusion_panel(client, figures):
    client.force_login(figures.world["coordinator_a"])
    data = client.get("/en/analytics/").context["data"]
    assert [(r.keys, r.values) for r in data.table("placements_field").rows] == [(("0714",), [8])]
    assert [(r.keys, r.labels, r.values) for r in data.table("placements_cluster").rows] == [((figures.cluster.pk,), ["Tianjin cluster"], [8])]
    inclusion = {r.keys[0]: r.values[0] for r in data.table("inclusion").rows}
    assert inclusion == {"applied_with_needs": 3, "placed_with_needs": 3, "departed_with_needs": 3, "reserved_places": 1,
                         "conditions_with_support": 3, "hosts_with_facilities": 1}


def test_every_table_exports_as_csv_and_xlsx_with_withheld_cells_marked(client, figures):
    client.force_login(figures.world["analyst"])
    response = client.get("/en/analytics/export/funnel.csv", {"stage": "placed"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Stage", "People", "With accessibility needs (consented)"]
    assert rows[4] == ["Completed", "<5", "<5"]
    xlsx = client.get("/en/analytics/export/flows_country.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get("/en/analytics/export/nothing.csv").status_code == 404


def test_the_open_data_api_is_public_and_withholds_small_cells_as_null(client, figures):
    listing = client.get("/api/v1/analytics/datasets")
    assert listing.status_code == 200
    assert {d["dataset"] for d in listing.json()["datasets"]} >= {"funnel", "flows_country", "fill_rates", "credentials"}
    body = client.get("/api/v1/analytics/datasets/funnel", {"year": "2026"}).json()
    assert body["suppression_threshold"] == 5
    assert [(r["stage"], r["people"]) for r in body["rows"]] == [("applied", 15), ("placed", 10), ("departed", 6), ("completed", None)]
    fill = client.get("/api/v1/analytics/datasets/fill_rates", {"year": "2026"}).json()
    assert fill["rows"] == [{"sending_country": "KZ", "sending_country_label": fill["rows"][0]["sending_country_label"], "receiving_country": "CN",
                             "receiving_country_label": fill["rows"][0]["receiving_country_label"], "places": 14, "offered": 11, "nominated": 9, "fill_rate": 64.3}]
    assert client.get("/api/v1/analytics/datasets/flows_institution").status_code == 404


def test_the_open_data_csv_carries_codes_labels_and_empty_withheld_cells(client, figures):
    response = client.get("/en/analytics/open-data/credentials.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["kind", "kind_label", "issued", "verified", "revoked", "suspended"]
    # 7 issued; 1 revoked and 1 suspended are withheld, and so the 7 beside them (complementary).
    assert rows[1][0] == "diploma" and rows[1][2:] == ["7", "1", "", ""]
