"""The RFC 8941 structured-field parser reads what the RFC allows, refuses the rest, and what it
serialises parses back to the same value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ortaq.engines.httpsig.structured import (
    InnerList,
    Item,
    Member,
    StructuredFieldError,
    Token,
    parse_dictionary,
    parse_item,
    serialize_dictionary,
)


def test_a_signature_input_dictionary_reads_as_an_inner_list_of_strings_with_parameters() -> None:
    parsed = parse_dictionary('sig1=("@method" "@query-param";name="Pet");created=1618884473;keyid="k", sig2=:AQI=:')
    assert parsed == {
        "sig1": InnerList(
            (Item("@method"), Item("@query-param", (("name", "Pet"),))), (("created", 1618884473), ("keyid", "k"))
        ),
        "sig2": Item(b"\x01\x02"),
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("-0", 0),
        ("-999999999999999", -999_999_999_999_999),
        ("4.5", Decimal("4.5")),
        ("-0.125", Decimal("-0.125")),
        ('"a \\"quoted\\" \\\\ word"', 'a "quoted" \\ word'),
        ("sha-256", Token("sha-256")),
        ("*foo/bar:baz", Token("*foo/bar:baz")),
        (":aGVsbG8=:", b"hello"),
        ("::", b""),
        ("?1", True),
        ("?0", False),
    ],
)
def test_each_bare_item_type_is_read(text: str, value: object) -> None:
    item = parse_item(text)
    assert item.value == value and type(item.value) is type(value)


def test_a_member_without_a_value_is_the_boolean_true_and_is_written_back_bare() -> None:
    parsed = parse_dictionary("a, b=?0, c;x=1")
    assert parsed == {"a": Item(True), "b": Item(False), "c": Item(True, (("x", 1),))}
    assert serialize_dictionary(parsed) == "a, b=?0, c;x=1"


def test_whitespace_is_allowed_where_rfc_8941_allows_it_and_normalised_on_output() -> None:
    parsed = parse_dictionary('  a=1 ,\tb=( "x"   "y" );p ,c=2  ')
    assert serialize_dictionary(parsed) == 'a=1, b=("x" "y");p, c=2'


@pytest.mark.parametrize(
    "text",
    [
        "",  # handled by callers as "no signature", but not a member
        "A=1",  # keys are lower case
        "1a=1",
        "a=1,",  # trailing comma
        "a=1,,b=2",
        "a=1 b=2",
        "a=(",  # unterminated inner list
        'a=("x""y")',  # items must be separated by a space
        "a=((1))",  # inner lists do not nest
        'a="unterminated',
        'a="bad \\n escape"',
        'a="tab\tinside"',
        "a=:not base64!:",
        "a=:YQ:",  # missing padding is refused (strict)
        "a=:YQ==",  # unterminated byte sequence
        "a=?2",
        "a=1234567890123456",  # 16 digits
        "a=1.2345",  # four fractional digits
        "a=1234567890123.5",  # thirteen integer digits in a decimal
        "a=1.",
        "a=-",
        "a=1;A=2",
        "a=1;x=1;x=2",  # duplicate parameter (stricter than RFC 8941)
        "a=1, a=2",  # duplicate key (stricter than RFC 8941)
        "a=ключ",
        'a="ключ"',
        "a=@1618884473",  # RFC 9651 dates are not RFC 8941
        'a=%"display"',
    ],
)
def test_malformed_dictionaries_are_refused(text: str) -> None:
    if text == "":
        assert parse_dictionary(text) == {}
        return
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_keys = st.builds(
    str.__add__, st.sampled_from(_LOWER + "*"), st.text(alphabet=_LOWER + "0123456789_-.*", max_size=8)
)
_bare = st.one_of(
    st.booleans(),
    st.integers(-999_999_999_999_999, 999_999_999_999_999),
    st.integers(-999_999_999_999_999, 999_999_999_999_999).map(lambda n: Decimal(n).scaleb(-3)),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12),
    st.builds(
        str.__add__,
        st.sampled_from(_LOWER + _LOWER.upper() + "*"),
        st.text(alphabet=_LOWER + "ABCXYZ0123456789!#$%&'*+-.^_`|~:/", max_size=8),
    ).map(Token),
    st.binary(max_size=24),
)
_params = st.dictionaries(_keys, _bare, max_size=3).map(lambda d: tuple(d.items()))
_item = st.builds(Item, _bare, _params)
_member: st.SearchStrategy[Member] = st.one_of(
    _item, st.builds(InnerList, st.lists(_item, max_size=4).map(tuple), _params)
)




@settings(max_examples=100, deadline=None)
@given(st.dictionaries(_keys, _member, max_size=4))
def test_what_is_serialised_parses_back_to_the_same_dictionary(members: dict[str, Member]) -> None:
    assert parse_dictionary(serialize_dictionary(members)) == members


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_either_parses_or_is_refused_with_a_structured_field_error(text: str) -> None:
    try:
        parsed = parse_dictionary(text)
    except StructuredFieldError:
        return
    assert parse_dictionary(serialize_dictionary(parsed)) == parsed


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='abc=;,() "?:*01-.\\\t', max_size=80))
def test_text_made_of_structured_field_punctuation_never_crashes_the_parser(text: str) -> None:
    try:
        parsed = parse_dictionary(text)
    except StructuredFieldError:
        return
    assert parse_dictionary(serialize_dictionary(parsed)) == parsed
