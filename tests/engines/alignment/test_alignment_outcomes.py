"""The Outcome input type: validated on construction, with optional other-language versions."""

from __future__ import annotations

import pytest

from ortaq.engines.alignment import AlignmentInputError, Outcome


def test_an_outcome_accepts_the_four_languages():
    for lang in ("kk", "ru", "zh", "en"):
        assert Outcome("o1", "text", lang).lang == lang


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "o1", "text": "Weld pipes", "lang": "de"}, "lang must be one of kk, ru, zh, en"),
        ({"id": "o1", "text": "   ", "lang": "en"}, "text must be a non-empty string"),
        ({"id": "", "text": "Weld", "lang": "en"}, "id must be a non-empty string"),
        ({"id": "o1", "lang": "en"}, "lacks 'text'"),
        ({"id": "o1", "text": "Weld", "lang": "en", "colour": "red"}, "unknown field(s) 'colour'"),
        ({"id": "o1", "text": "Weld", "lang": "en", "alt": {"xx": "Weld"}}, "alt lang must be one of"),
        ({"id": "o1", "text": "Weld", "lang": "en", "alt": ["ru"]}, "'alt' must be an object"),
        ("just a string", "must be an object"),
    ],
)
def test_malformed_outcomes_are_refused_with_a_message_naming_the_problem(data, message):
    with pytest.raises(AlignmentInputError, match=None) as info:
        Outcome.from_dict(data)
    assert message in str(info.value)


def test_integer_ids_are_read_as_strings():
    assert Outcome.from_dict({"id": 7, "text": "Weld", "lang": "en"}).id == "7"


def test_a_kazakh_outcome_is_read_through_its_russian_version_when_it_has_one():
    kk = Outcome("o1", "Болат құбырларды дәнекерлеу", "kk", alt={"ru": "Сварка стальных труб"})
    assert kk.view() == ("ru", "Сварка стальных труб")
    assert kk.view(kk_via_ru=False) == ("kk", "Болат құбырларды дәнекерлеу")
    assert Outcome("o2", "Болат құбырларды дәнекерлеу", "kk").view() == ("kk", "Болат құбырларды дәнекерлеу")


def test_all_language_versions_are_listed_with_the_outcomes_own_first():
    o = Outcome("o1", "焊接钢管", "zh", alt={"en": "Weld steel pipes", "ru": "Сварка труб"})
    assert o.versions() == [("zh", "焊接钢管"), ("en", "Weld steel pipes"), ("ru", "Сварка труб")]
