"""Hostile input fails fast and cleanly: limits on size, depth and blank nodes; malformed JSON and
wrong types give a readable reason, never an exception or a traceback."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ortaq.engines.credentials as creds
from ortaq.engines.credentials import canon


def _reason(report: creds.VerificationReport, name: str) -> str:
    return next(c.reason for c in report.checks if c.name == name)


def test_it_refuses_a_document_over_the_size_limit() -> None:
    report = creds.verify(b'{"padding": "' + b"x" * 1_100_000 + b'"}')
    assert not report.verified
    assert "the limit is 1000000" in _reason(report, "input")


def test_it_refuses_deep_nesting_in_text_and_in_objects() -> None:
    deep_text = "[" * 100_000 + "]" * 100_000
    assert "nests deeper than" in _reason(creds.verify(deep_text), "input")
    deep: dict = {}
    node = deep
    for _ in range(200):
        node["a"] = {}
        node = node["a"]
    assert "nests deeper than 48 levels" in _reason(creds.verify(deep), "input")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": 1', "malformed JSON"),
        ("[1, 2, 3]", "must be a JSON object, not list"),
        ("42", "must be a JSON object, not int"),
        ('{"a": NaN}', "NaN is not allowed"),
        ('{"id": "x", "id": "y"}', "duplicate JSON key 'id'"),
        (b"\xff\xfe\x00", "malformed JSON"),
    ],
)
def test_it_explains_malformed_json(text: str | bytes, reason: str) -> None:
    report = creds.verify(text)
    assert not report.verified
    assert reason in _reason(report, "input")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.__setitem__("proof", "not a proof"),
        lambda d: d.__setitem__("proof", [1, 2, 3]),
        lambda d: d.__setitem__("issuer", 42),
        lambda d: d.__setitem__("@context", 7),
        lambda d: d.__setitem__("type", {"a": "b"}),
        lambda d: d.__setitem__("credentialSubject", [None, 1.5, "x"]),
        lambda d: d["proof"].__setitem__("verificationMethod", ["x"]),
        lambda d: d["proof"].__setitem__("proofValue", "z0OIl"),
        lambda d: d["proof"].__setitem__("proofValue", "z" + "1" * 5000),
        lambda d: d["proof"].__setitem__("created", "yesterday"),
        lambda d: d.__setitem__("validUntil", "soon"),
        lambda d: d.__setitem__("credentialStatus", {"type": "BitstringStatusListEntry", "statusListIndex": "-1"}),
    ],
    ids=["proof-string", "proof-numbers", "issuer-number", "context-number", "type-object", "subject-list",
         "vm-list", "bad-base58", "huge-base58", "created-word", "valid-until-word", "status-index"],
)
def test_it_reports_wrong_types_as_failed_checks_without_raising(signed_diploma: dict, mutate) -> None:
    hostile = copy.deepcopy(signed_diploma)
    mutate(hostile)
    report = creds.verify(hostile)
    assert not report.verified
    assert report.failures()
    assert all(isinstance(c.reason, str) and c.reason for c in report.checks)
    json.loads(report.to_json())


def test_it_limits_the_number_of_blank_nodes_before_canonicalising() -> None:
    document = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"], "items": [{"n": i} for i in range(5000)]}
    with pytest.raises(canon.CanonicalizationError, match="5001 blank nodes; the limit is 4096"):
        canon.canonicalize(document)


def test_it_stops_canonicalisation_of_indistinguishable_blank_nodes_after_a_fixed_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # A ring of identical blank nodes forces the N-degree hash for every node (the shape of the
    # "poison graph" attacks); with a small budget the work is refused instead of done.
    ring = [{"@id": f"_:n{i}", "next": {"@id": f"_:n{(i + 1) % 30}"}} for i in range(30)]
    document = {"@context": "https://www.w3.org/ns/credentials/examples/v2", "@graph": ring}
    assert canon.canonicalize(document).count("\n") == 30
    monkeypatch.setattr(canon, "MAX_NDEGREE_CALLS", 10)
    with pytest.raises(canon.CanonicalizationError, match="work budget"):
        canon.canonicalize(document)


def test_it_reports_an_undefined_type_instead_of_silently_dropping_it(signed_diploma: dict) -> None:
    hostile = copy.deepcopy(signed_diploma)
    hostile["type"].append("GovernmentApprovedCredential")
    report = creds.verify(hostile)
    assert "type 'GovernmentApprovedCredential' is not defined" in _reason(report, "proof")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["@context", "id", "type", "proof", "issuer", "@id", "@type", "credentialSubject", "x"]), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_it_never_raises_on_arbitrary_json(value) -> None:
    report = creds.verify(value)
    assert report.verified is False
    assert json.loads(report.to_json())["verified"] is False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["name", "validFrom", "issuer", "credentialSubject", "@context", "type", "proof"]), value=json_values)
def test_it_never_raises_or_verifies_when_a_signed_field_is_replaced(signed_diploma: dict, path: str, value) -> None:
    hostile = copy.deepcopy(signed_diploma)
    if hostile.get(path) == value:
        return
    hostile[path] = value
    report = creds.verify(hostile)
    assert report.verified is False


def test_it_refuses_documents_with_too_many_json_values_before_expensive_work() -> None:
    many = {"@context": "https://www.w3.org/ns/credentials/v2", "items": list(range(25_000))}
    report = creds.verify(json.dumps(many))
    assert "more than 20000 JSON values" in _reason(report, "input")
