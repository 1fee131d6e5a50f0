"""Open-data API: aggregated, anonymised figures, public (no token, no session needed).

The same selectors as the dashboard's open-data view, so the disclosure control is one: counts of people
under 5 are null, and so are the complementary cells or totals that would reveal them.
"""

from __future__ import annotations

from django.http import Http404
from ninja import Router

from . import selectors
from .disclosure import THRESHOLD

router = Router(tags=["analytics"])


def _as_of() -> str | None:
    refresh = selectors.last_refresh()
    # last_refresh() returns finished refreshes only; the second test is for the type checker.
    return refresh.finished_at.isoformat() if refresh and refresh.finished_at else None


@router.get("/datasets", auth=None, summary="Open datasets and their fields")
def datasets(request):
    items = []
    for key in selectors.OPEN_DATASETS:
        table = selectors.open_dataset_definition(key=key)
        items.append({
            "dataset": key, "title": str(table.title), "url": f"/api/v1/analytics/datasets/{key}",
            "csv": f"/en/analytics/open-data/{key}.csv",
            "fields": [{"name": n, "kind": "key"} for n in table.open_header[: 2 * len(table.key_columns)]]
            + [{"name": c.name, "kind": "count of people" if c.people else "figure", "label": str(c.label)} for c in table.value_columns],
        })
    return {"as_of": _as_of(), "suppression_threshold": THRESHOLD, "datasets": items}


@router.get("/datasets/{key}", auth=None, summary="One open dataset, filtered like the dashboard")
def dataset(request, key: str):
    filters = selectors.Filters.from_query(request.GET)
    table = selectors.open_dataset(key=key, filters=filters)
    if table is None:
        raise Http404
    body = table.as_open_data()
    body.update({"as_of": _as_of(), "suppression_threshold": THRESHOLD,
                 "filters": {k: v for k, v in filters.as_dict().items() if k not in ("institution", "view")}})
    return body
