"""Every list the REST API answers comes a page at a time, in one shape: {"items": [...], "count": n}, with `page`
(and `page_size`) in the query (ortaq.lib.schemas.Pages)."""

from __future__ import annotations

# A list that stays a handful of rows by nature: the platform's credit conversion rules (one per credit system).
UNPAGED = {"/api/v1/recognition/rules"}


def _schema(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_list_is_paged_with_a_count(client, db):
    document = client.get("/api/v1/openapi.json").json()
    bare, paged = [], []
    for path, item in document["paths"].items():
        get = item.get("get")
        content = (get or {}).get("responses", {}).get("200", {}).get("content", {}).get("application/json")
        if not content or path in UNPAGED:
            continue
        schema = _schema(document, content["schema"])
        if schema.get("type") == "array":
            bare.append(path)
        elif {"items", "count"} <= set(schema.get("properties", {})):
            paged.append(path)
            assert {"page", "page_size"} <= {p["name"] for p in get["parameters"] if p["in"] == "query"}, path
    assert bare == []
    assert len(paged) >= 13  # the scan sees the lists
