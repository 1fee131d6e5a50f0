"""Every API operation answers bad input with a 4xx, an error body and no write, never a 500.

The operations come from the OpenAPI document (a new one without an entry in tests/web/api_operations.py fails
the first test). Each is called with the token of a user allowed to call it, so that a refusal means the input
was refused, not the caller; the first parametrised test proves each valid request succeeds with that token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.web.api_operations import (
    OPERATIONS, Operation, Scene, database_state, documented_operations, scene, token_headers, url_of,  # noqa: F401 (fixture)
)

DEEP = "[" * 10_000 + "]" * 10_000
# Raw JSON text, so that what json.dumps cannot write (NaN, 1e999, 10**400 as a literal) can be sent too.
IMPOSSIBLE_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", str(10**400)]
BAD_INTEGERS = ['"7"', "7.5", "true", "[]", "{}", '"abc"', str(2**63), str(-(2**63) - 1), str(2**31), "-1", "0", DEEP]
BAD_YEARS = ["1", "9999", "99999"]  # out-of-range dates: academic years
BAD_STRINGS = [
    "7", "7.5", "true", "[]", "{}", '["x"]', json.dumps("x" * 100_000), json.dumps("a\x00b"), json.dumps("a\x1b[2Jb\x07"),
    '"\\ud800"', json.dumps("line\nbreak\u0085"), DEEP,
]
BAD_LISTS = ['"x"', "{}", "7", "[null]", "[[]]", "[{}]", "[" + ",".join(["1"] * 100_000) + "]", "[" + DEEP + "]",
             '["a\\u0000"]', "[" + json.dumps("x" * 100_000) + "]", "[7.5]", '["7"]', f"[{2**63}]", "[-1]"]
BAD_OBJECTS = ['"x"', "7", "[]", "null", "true", DEEP, '{"a": NaN}']
# validFrom must be an XML Schema dateTimeStamp (VC Data Model 2.0 §4.9); these are not.
BAD_DATES = ['"2026-13-45T25:61:00Z"', '"2026-02-30T00:00:00Z"', '"2026-01-01"', '"not a date"', "20260101", "[]"]
BAD_PATH_VALUES = {"pk": [str(10**30), str(2**63), "0", "99999999"], "key": ["x" * 5_000, "NaN", "%00", "..%2F..%2Fsettings"]}
BAD_PATH_VALUES |= {"exchange_id": BAD_PATH_VALUES["key"], "workflow_id": BAD_PATH_VALUES["key"]}  # a wallet offer's secret, a workflow's name
BAD_PATH_VALUES |= {name: BAD_PATH_VALUES["pk"] for name in ("application_id", "entry_id", "item_id", "appeal_id", "enrolment_id", "proposal_id")}
BAD_PATH_VALUES |= {"public_id": ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "x" * 5_000, "%00"]}  # an issued credential's uuid
ZERO_IS_VALID = {"motivation_score", "interview_score", "component"}  # 0–100: zero is a score (refused below 0 and above 100); a component's position counts from 0
BAD_QUERY_VALUES = ["-1", "0", "1" + "0" * 30, str(2**63), "abc", "²", "٣", "1e999", "NaN", "\x00", "x" * 10_000, "a\x1bb"]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _with(valid: dict, key: str, raw_value: str) -> str:
    """The valid body with `key`'s value replaced by raw JSON text."""
    marker = "\ue000MARKER\ue000"
    return _json({**valid, key: marker}).replace(_json(marker), raw_value)


def bad_values(key: str, value) -> Iterator[str]:
    if isinstance(value, bool):
        yield from ['"true"', "1", "[]", "null"]
    elif isinstance(value, int):
        bad = [v for v in BAD_INTEGERS if not (key in ZERO_IS_VALID and v == "0")] + ["101"] * (key in ZERO_IS_VALID)
        yield from bad + IMPOSSIBLE_NUMBERS + (BAD_YEARS if key in ("start_year", "end_year") else [])
    elif isinstance(value, str):
        yield from BAD_STRINGS + IMPOSSIBLE_NUMBERS
    elif isinstance(value, list):
        yield from BAD_LISTS + [f"[{n}]" for n in IMPOSSIBLE_NUMBERS]
    elif isinstance(value, dict):
        yield from BAD_OBJECTS


def hostile_bodies(operation: Operation, valid: dict, required: set[str]) -> Iterator[tuple[str, str]]:
    yield "nested 10,000 deep", DEEP
    yield "a field nested 10,000 deep", _with(valid, next(iter(valid)), DEEP)
    yield "3 MB", _with(valid, "padding", _json("x" * 3_000_000))
    yield "malformed", _json(valid)[:-1]
    yield "duplicate keys and a trailing comma", '{"a": 1, "a": 2,}'
    for shape in ([], "text", 7, None, [valid]):
        yield f"the body {shape!r:.20}", _json(shape)
    if operation.strict:
        yield "an unknown field", _with(valid, "unexpected", "1")
    for key in sorted(required):
        yield f"no {key}", _json({k: v for k, v in valid.items() if k != key})
    for key, value in valid.items():
        if key == "options" and not operation.strict:
            continue  # the VC-API's options: "unknown options tolerated" (its test suites send options we do not know)
        for raw in bad_values(key, value):
            yield f"{key}={raw[:30]!r}", _with(valid, key, raw)
        if key == "credential":  # the VC-API takes a whole document: hostile members inside it
            for raw in ['"a\\u0000b"', '"\\udfff"', *IMPOSSIBLE_NUMBERS, DEEP]:
                yield f"credential.credentialSubject.name={raw[:20]}", _with(valid, key, _with(value, "credentialSubject", _with(value["credentialSubject"], "name", raw)))


def _required(client: Client, method: str, template: str) -> set[str]:
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"][template][method.lower()]
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("required", []))


def _send(client: Client, method: str, url: str, body: str | None, headers: dict, **extra):
    call = getattr(client, method.lower())
    if body is None:
        return call(url, **headers, **extra)
    return call(url, data=body, content_type="application/json", **headers, **extra)


def _problem(response) -> str | None:
    """What is wrong with the answer to bad input (None: a 4xx with an error body)."""
    if not 400 <= response.status_code < 500:
        return f"answered {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return f"answered {response.status_code} without a JSON error body"
    if not (isinstance(body, dict) and any(body.get(k) for k in ("detail", "error", "errors"))):
        return f"answered {response.status_code} with {str(body)[:100]}"
    return None


def _ids(keys) -> list[str]:
    return [f"{method} {path}" for method, path in keys]


BODY_OPERATIONS = sorted(k for k, op in OPERATIONS.items() if op.body is not None)


def test_every_documented_operation_is_covered_here(client, db):
    assert documented_operations(client) == set(OPERATIONS)


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=_ids(sorted(OPERATIONS)))
def test_the_valid_request_succeeds_with_the_token_the_hostile_ones_use(scene: Scene, key):
    method, template = key
    operation = OPERATIONS[key]
    client = Client()
    body = None if operation.body is None else _json(operation.body(scene))
    response = _send(client, method, url_of(template, operation.path(scene)), body, token_headers(scene.world[operation.user] if operation.user else None),
                     QUERY_STRING=urlencode(operation.query))
    assert response.status_code == operation.ok, response.content[:500]


@pytest.mark.parametrize("key", BODY_OPERATIONS, ids=_ids(BODY_OPERATIONS))
def test_every_hostile_body_is_refused_with_a_4xx_and_writes_nothing(scene: Scene, key):
    method, template = key
    operation = OPERATIONS[key]
    client = Client(raise_request_exception=False)
    headers = token_headers(scene.world[operation.user] if operation.user else None)
    url = url_of(template, operation.path(scene))
    failures = []
    cases = list(hostile_bodies(operation, operation.body(scene), _required(client, method, template)))
    for name, body in cases:
        before = database_state()
        problem = _problem(_send(client, method, url, body, headers))
        if database_state() != before:
            problem = (problem or "") + " and wrote to the database"
        if problem:
            failures.append(f"{name}: {problem}")
    assert failures == [], f"{len(failures)} of {len(cases)} hostile bodies were not refused cleanly:\n" + "\n".join(failures)


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=_ids(sorted(OPERATIONS)))
def test_hostile_paths_queries_and_json_never_cause_a_server_error_or_a_write(scene: Scene, key):
    method, template = key
    operation = OPERATIONS[key]
    client = Client(raise_request_exception=False)
    headers = token_headers(scene.world[operation.user] if operation.user else None)
    path = operation.path(scene)
    body = None if operation.body is None else _json(operation.body(scene))
    requests = [(url_of(template, {**path, name: bad}), "") for name in path for bad in BAD_PATH_VALUES[name]]
    for name in [*operation.query, "page"] if method == "GET" else []:
        for bad in BAD_QUERY_VALUES:
            requests.append((url_of(template, path), urlencode({**operation.query, name: bad})))
    failures = []
    for url, query in requests:
        before = database_state()
        response = _send(client, method, url, body, headers, QUERY_STRING=query)
        wrote = database_state() != before
        # A path no route matches gets Django's own 404 page, not an API error body.
        refused_cleanly = response.status_code < 400 or response.status_code == 404 or _problem(response) is None
        if response.status_code >= 500 or not refused_cleanly or (wrote and method != "GET" and response.status_code >= 400):
            failures.append(f"{url[:80]}?{query[:80]}: {response.status_code}{' and wrote' if wrote else ''}")
    # Deep, huge or impossible JSON is refused at the edge by every operation, even one that takes no body.
    for raw, status in [(DEEP, 400), ('{"a": NaN}', 400), ('{"a": 1e999}', 400), ('{"a": "\\u0000"}', 400), (_json("x" * 3_000_000), 413)]:
        before = database_state()
        response = client.generic(method, url_of(template, path), raw, content_type="application/json", **headers)
        if response.status_code != status or _problem(response) or database_state() != before:
            failures.append(f"the body {raw[:20]}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def test_a_refusal_is_written_in_the_callers_language(scene: Scene):
    client = Client()
    headers = token_headers(scene.world["coordinator_a"])
    url = f"/api/v1/agreements/{scene.draft.pk}"
    response = client.patch(url, data='{"end_year": 99999}', content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru", **headers)
    assert response.status_code == 422
    assert re.search("[а-яА-Я]", json.dumps(response.json(), ensure_ascii=False)), response.json()
    english = client.patch(url, data='{"end_year": 99999}', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **headers)
    assert not re.search("[а-яА-Я]", json.dumps(english.json(), ensure_ascii=False))


def test_json_nested_ten_thousand_deep_is_refused_before_it_is_parsed(scene: Scene):
    response = Client().post("/api/v1/vc/credentials/verify", data='{"verifiableCredential": ' + DEEP + "}", content_type="application/json",
                             HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"


def test_the_vc_api_refuses_to_issue_a_credential_valid_from_an_impossible_date(scene: Scene):
    operation = OPERATIONS[("POST", "/api/v1/vc/credentials/issue")]
    valid = operation.body(scene)
    headers = token_headers(scene.world[operation.user])
    accepted = []
    for date in BAD_DATES:
        before = database_state()
        body = _with(valid, "credential", _with(valid["credential"], "validFrom", date))
        if _problem(_send(Client(), "POST", "/api/v1/vc/credentials/issue", body, headers)) or database_state() != before:
            accepted.append(date)
    assert accepted == []
