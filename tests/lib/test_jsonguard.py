"""The JSON guard: size, depth and number limits checked before json.loads, and the middleware that answers with a 4xx."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ortaq.lib import jsonguard

DEEP = "[" * 10_000 + "]" * 10_000


def refusal(data, **limits) -> jsonguard.JsonRefused:
    with pytest.raises(jsonguard.JsonRefused) as caught:
        jsonguard.loads(data, **limits)
    return caught.value


def test_it_parses_ordinary_json_like_json_loads():
    text = '{"a": [1, -2, 3.5, 1e-400, "x[[{", true, null], "b": {"c": "\\"]]"}}'
    assert jsonguard.loads(text) == json.loads(text)
    assert jsonguard.loads(text.encode()) == json.loads(text)


def test_it_refuses_nesting_ten_thousand_deep_without_recursing():
    refused = refusal(DEEP)
    assert refused.code == "too_deep" and refused.status == 400
    assert "64" in str(refused.message)


def test_the_depth_limit_counts_levels_exactly_and_ignores_brackets_inside_strings():
    assert jsonguard.loads("[[[1]]]", limit_depth=3) == [[[1]]]
    assert refusal("[[[[1]]]]", limit_depth=3).code == "too_deep"
    assert jsonguard.loads('[{"a": "[[[[[[{{{{\\"[[["}]', limit_depth=2) == [{"a": '[[[[[[{{{{"[[['}]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", str(10**400), "9" * 5000])
def test_it_refuses_numbers_that_are_not_finite_doubles(number):
    refused = refusal(f'{{"n": {number}}}')
    assert refused.code == "bad_number" and refused.status == 400


@pytest.mark.parametrize("text", ['{"a": "x\\u0000"}', '["\\ud800"]', '{"\\udfff": 1}', '["\\udc00\\ud800"]'])
def test_it_refuses_nul_and_unpaired_surrogates_in_strings(text):
    assert refusal(text).code == "bad_text"


@pytest.mark.parametrize("text", ['["\\ud83d\\ude00"]', '["\\\\u0000"]', '["Дәнекерлеу 机电"]'])
def test_paired_surrogates_an_escaped_backslash_and_other_scripts_are_text(text):
    assert jsonguard.loads(text) == json.loads(text)


def test_large_but_finite_numbers_are_kept():
    assert jsonguard.loads(f"[{2**63}, 1.5e300, {10**300}]") == [2**63, 1.5e300, 10**300]


def test_it_refuses_a_document_over_the_size_limit_with_413():
    refused = refusal('"' + "x" * 100 + '"', limit_bytes=50)
    assert refused.code == "too_large" and refused.status == 413


@pytest.mark.parametrize("text", ["{", "[1,]", "\"\\ud800", b"\xff\xfe\x00", '["a\x00"]'])
def test_malformed_json_is_refused_with_a_readable_reason(text):
    assert refusal(text).code == "malformed"


def test_the_limits_come_from_settings(settings):
    settings.JSON_MAX_DEPTH = 2
    settings.JSON_MAX_BYTES = 10
    assert refusal("[[[1]]]").code == "too_deep"
    assert refusal("[" + "1," * 10 + "1]").code == "too_large"


# The middleware -------------------------------------------------------------------------------------------

def test_the_middleware_answers_a_deep_body_anywhere_with_a_translated_400(client, db):
    response = client.post("/api/v1/vc/credentials/verify", DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"
    assert "64" in response.json()["detail"]


def test_the_middleware_checks_api_bodies_whatever_their_content_type(client, db):
    response = client.post("/api/v1/vc/credentials/verify", '{"verifiableCredential": {"n": NaN}}', content_type="text/plain")
    assert response.status_code == 400 and response.json()["code"] == "bad_number"


def test_the_middleware_refuses_a_declared_length_over_the_limit_before_reading(client, db, settings):
    settings.JSON_MAX_BYTES = 1000
    response = client.post("/api/v1/vc/credentials/verify", '{"a": "' + "x" * 2000 + '"}', content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "too_large"


@pytest.mark.parametrize("document", [DEEP, '{"a": ' + DEEP + ', "proof": {}}', '{"a": 1e999, "proof": {"x": 1}}', '{"a": NaN}',
                                      '{"a": "\\ud800", "proof": {"x": 1}}', '{"n": ' + "9" * 5000 + "}"])
@pytest.mark.parametrize("as_file", [False, True])
def test_the_verify_page_answers_a_hostile_paste_or_upload_with_a_failed_verification(client, db, settings, document, as_file):
    # A pasted credential is a form field, so the middleware leaves it to the page, which parses it through the guard.
    settings.ORTAQ_THROTTLES = {scope: (1_000_000, 60) for scope in getattr(settings, "ORTAQ_THROTTLES", {})}
    data = {"file": SimpleUploadedFile("credential.json", document.encode())} if as_file else {"document": document}
    response = client.post("/en/verify/", data)
    assert response.status_code == 200
    assert response.context["result"]["verified"] is False
    assert response.context["result"]["readable"] is None  # nothing of the hostile document is shown as a credential
