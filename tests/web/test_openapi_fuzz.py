"""OpenAPI fuzzing in CI: schemathesis generates requests from /api/v1/openapi.json for every operation and sends
them to the app in-process (WSGI), with the token of a user allowed to call the operation.

Valid requests (positive mode, with the path naming a real record) and invalid ones (negative mode) must never
get a 5xx, and whatever the API answers with a documented status must match the schema it documents. The run is
bounded and derandomised, so CI is deterministic; a failure lists each case as a curl command to replay.
"""

from __future__ import annotations

import collections
import functools

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.web.api_operations import OPENAPI, OPERATIONS, Scene, documented_operations, scene, token_headers  # noqa: F401 (fixture)

EXAMPLES = 25  # per operation and mode: about 950 requests in all
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
KEYS = sorted(OPERATIONS)


@functools.cache
def _schema():
    return schemathesis.openapi.from_wsgi(OPENAPI, get_wsgi_application())


def _strategies(operation, path: dict, has_input: bool):
    positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=path)
    # Invalid bodies and queries against a real record; an operation whose only input is its path gets invalid paths.
    negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, path_parameters=path if has_input else None)
    return [("positive", positive), ("negative", negative)]


@pytest.fixture
def wsgi_in_the_test_transaction():
    """Django's WSGI handler closes the database connection after each request (request_finished); in a test that
    would end the test's transaction on PostgreSQL. django.test.Client disconnects the same handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_documented_operation_is_fuzzed(client, db):
    assert documented_operations(client) == set(OPERATIONS)


@pytest.mark.parametrize("key", KEYS, ids=[f"{m} {p}" for m, p in KEYS])
def test_fuzzed_requests_never_cause_a_server_error_and_match_the_documented_responses(scene: Scene, key, wsgi_in_the_test_transaction):
    method, template = key
    spec = OPERATIONS[key]
    operation = _schema()[template][method]
    header = token_headers(scene.world[spec.user] if spec.user else None).get("HTTP_AUTHORIZATION")
    headers = {"Authorization": header} if header else {}
    has_input = bool(operation.body) or bool(operation.query)
    failures: list[str] = []
    statuses = {"positive": [], "negative": []}

    for mode, strategy in _strategies(operation, spec.path(scene), has_input):

        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def send(case):
            response = case.call(headers=headers)
            statuses[mode].append(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Failure, FailureGroup) as error:
                failures.append(f"{mode}: {type(error).__name__}: {str(error)[:1500]}")

        if mode == "positive":  # the valid request of api_operations first, so that a real 2xx body is checked too
            body = spec.body(scene) if spec.body else NOT_SET
            send = example(case=operation.Case(path_parameters=spec.path(scene), query=spec.query or None, body=body))(send)
        try:
            send()
        except Unsatisfiable:
            if mode == "positive":
                raise  # an operation whose only parameters accept anything (a string path) has no invalid request
    assert spec.ok in statuses["positive"], collections.Counter(statuses["positive"])  # the token reaches the operation
    assert len(statuses["positive"]) > (10 if has_input else 1)  # hypothesis stops early when it runs out of distinct cases
    assert failures == [], "\n\n".join(failures)
