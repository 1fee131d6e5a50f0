"""Derived components are computed as RFC 9421 section 2.2 says, from the URL as it was sent."""

from __future__ import annotations

import pytest

from ortaq.engines import httpsig
from ortaq.engines.httpsig.components import Message, component_value
from ortaq.engines.httpsig.structured import Item


def _value(url: str, component: str, /, **params: str) -> str:
    return component_value(Message(headers={}, method="POST", url=url), Item(component, tuple(params.items())))


@pytest.mark.parametrize(
    ("url", "authority"),
    [
        ("https://Example.COM:443/x", "example.com"),  # section 2.2.3: lower case, default port dropped
        ("http://example.com:80/x", "example.com"),
        ("https://example.com:8443/x", "example.com:8443"),
        ("http://127.0.0.1:8000/api", "127.0.0.1:8000"),
        ("https://user:pw@example.com/x", "example.com"),
        ("https://[::1]:8443/x", "[::1]:8443"),
    ],
)
def test_the_authority_is_the_normalised_host_and_port(url: str, authority: str) -> None:
    assert _value(url, "@authority") == authority


def test_path_query_scheme_and_request_target_come_from_the_url_as_sent() -> None:
    url = "https://example.com/path/%C3%A9?param=value&foo=bar&baz=batman"
    assert _value(url, "@path") == "/path/%C3%A9"
    assert _value(url, "@query") == "?param=value&foo=bar&baz=batman"
    assert _value(url, "@scheme") == "https"
    assert _value(url, "@request-target") == "/path/%C3%A9?param=value&foo=bar&baz=batman"
    assert _value(url, "@target-uri") == url
    assert _value("https://example.com", "@path") == "/"  # section 2.2.6: an empty path is "/"
    assert _value("https://example.com/x", "@query") == "?"  # section 2.2.7: no query is "?"


def test_query_parameters_are_decoded_then_reencoded_with_spaces_as_percent_20() -> None:
    # The worked examples of RFC 9421 section 2.2.8 (var, bar and the encoded name), plus an empty
    # value (qux=) from the same section's first example.
    url = "https://example.com/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something&qux="
    assert _value(url, "@query-param", name="var") == "this%20is%20a%20big%0Amultiline%20value"
    assert _value(url, "@query-param", name="bar") == "with%20plus%20whitespace"
    assert _value(url, "@query-param", name="fa%C3%A7ade%22%3A%20") == "something"
    assert _value(url, "@query-param", name="qux") == ""


def test_a_repeated_or_absent_query_parameter_cannot_be_signed_by_name() -> None:
    with pytest.raises(httpsig.SignatureError) as repeated:
        _value("https://example.com/?a=1&a=2", "@query-param", name="a")
    assert repeated.value.code == "malformed_signature"
    with pytest.raises(httpsig.SignatureError) as absent:
        _value("https://example.com/?a=1", "@query-param", name="b")
    assert absent.value.code == "missing_component"


def test_a_query_with_thousands_of_parameters_is_refused() -> None:
    with pytest.raises(httpsig.SignatureError) as caught:
        _value("https://example.com/?" + "&".join(f"p{i}=1" for i in range(5000)), "@query-param", name="p1")
    assert caught.value.code == "malformed_signature"


def test_a_dictionary_member_of_a_header_is_signed_by_key() -> None:
    # RFC 9421 section 2.1.2: "key" selects one member, re-serialised.
    message = Message(headers={"content-digest": "sha-256=:AAAA:,   sha-512=:BBBB:"})
    assert component_value(message, Item("content-digest", (("key", "sha-512"),))) == ":BBBB:"
    assert component_value(message, Item("content-digest", (("sf", True),))) == "sha-256=:AAAA:, sha-512=:BBBB:"
    with pytest.raises(httpsig.SignatureError) as caught:
        component_value(message, Item("content-digest", (("key", "md5"),)))
    assert caught.value.code == "missing_component"


def test_field_values_lose_surrounding_whitespace_and_obsolete_line_folding() -> None:
    # RFC 9421 section 2.1: leading and trailing whitespace removed, obs-fold replaced by one space.
    message = Message(headers={"x-folded": "  Value\r\n  continued  ", "x-empty": ""})
    assert component_value(message, Item("x-folded")) == "Value  continued"
    assert component_value(message, Item("x-empty")) == ""
