"""What people write is shown in the reader's language, or the nearest version by one table, marked when it is
another language (decision 0009)."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from ortaq.i18n import (
    FALLBACK_ORDER, clean_translations, content_language, detect_language, fallback_order, shown, shown_by_language,
)


def row(author: str, title: str, **versions: str) -> SimpleNamespace:
    """A written row: `title` in `author`'s language, other versions by language code (zh_hans for zh-hans)."""
    return SimpleNamespace(written_in=author, title=title,
                           translations={code.replace("_", "-"): {"title": text} for code, text in versions.items()})


EVERYTHING = row("en", "Welding internship", kk="Дәнекерлеу тәжірибесі", ru="Практика по сварке", zh_hans="焊接实习")


@pytest.mark.parametrize(("reader", "expected"), [("kk", "Дәнекерлеу тәжірибесі"), ("ru", "Практика по сварке"),
                                                  ("zh-hans", "焊接实习"), ("en", "Welding internship")])
def test_each_reader_reads_their_own_language_when_it_is_there(reader, expected):
    found = shown(EVERYTHING, "title", reader)
    assert found.text == expected and found.language == reader and not found.foreign


def test_the_table_names_the_issues_order_for_each_reader():
    assert fallback_order("kk", "zh-hans")[:3] == ("kk", "ru", "zh-hans")
    assert fallback_order("kk", "en")[:3] == ("kk", "ru", "en")
    assert fallback_order("ru", "zh-hans")[:3] == ("ru", "kk", "zh-hans")
    assert fallback_order("zh-hans", "kk")[:3] == ("zh-hans", "en", "kk")
    assert fallback_order("en", "zh-hans")[:3] == ("en", "zh-hans", "ru")
    for reader in FALLBACK_ORDER:  # every language once: a row always shows something
        assert sorted(fallback_order(reader, "kk")) == sorted(["kk", "ru", "zh-hans", "en"])


def test_a_kazakh_reader_falls_back_to_russian_before_the_authors_english():
    title = row("en", "Welding internship", ru="Практика по сварке")
    found = shown(title, "title", "kk")
    assert (found.text, found.language, found.foreign) == ("Практика по сварке", "ru", True)


def test_a_kazakh_reader_of_a_chinese_only_title_reads_the_authors_chinese():
    found = shown(row("zh-hans", "焊接实习"), "title", "kk")
    assert (found.text, found.language, found.foreign) == ("焊接实习", "zh-hans", True)


def test_a_russian_reader_falls_back_to_kazakh_then_the_author():
    assert shown(row("zh-hans", "焊接实习", kk="Дәнекерлеу", en="Welding"), "title", "ru").text == "Дәнекерлеу"
    assert shown(row("zh-hans", "焊接实习", en="Welding"), "title", "ru").text == "焊接实习"


def test_a_chinese_reader_falls_back_to_english_before_the_authors_kazakh():
    assert shown(row("kk", "Дәнекерлеу", en="Welding", ru="Сварка"), "title", "zh-hans").text == "Welding"
    assert shown(row("kk", "Дәнекерлеу", ru="Сварка"), "title", "zh-hans").text == "Дәнекерлеу"


def test_an_english_reader_falls_back_to_the_author_then_russian():
    assert shown(row("zh-hans", "焊接实习", ru="Сварка"), "title", "en").text == "焊接实习"
    assert shown(SimpleNamespace(written_in="zh-hans", title="", translations={"ru": {"title": "Сварка"}, "kk": {"title": "Дәнекерлеу"}}),
                 "title", "en").text == "Сварка"


def test_the_authors_column_wins_over_a_version_in_the_same_language():
    assert shown(row("ru", "Сварка", ru="Другое"), "title", "ru").text == "Сварка"


def test_the_marker_names_the_language_translated_and_sets_the_lang_attribute():
    with translation.override("en"):
        html = str(shown(row("ru", "Сварка <b>"), "title", "en").html())
    assert html == '<span lang="ru">Сварка &lt;b&gt;</span> <small class="written-in">(written in Russian)</small>'
    with translation.override("en"):
        assert str(shown(row("en", "Welding"), "title", "en").html()) == "Welding"  # the reader's own language: no marker


def test_the_active_language_is_the_readers_and_notifications_get_each_languages_text():
    with translation.override("kk"):
        assert shown(EVERYTHING, "title").text == "Дәнекерлеу тәжірибесі"
    assert shown_by_language(row("zh-hans", "焊接实习", ru="Сварка"), "title") == {"kk": "Сварка", "ru": "Сварка", "zh": "焊接实习", "en": "焊接实习"}


def test_language_codes_are_read_as_content_languages():
    assert [content_language(c) for c in ("zh", "zh-Hans", "zh-cn", "kk", "ru-RU", "de", "en")] == ["zh-hans", "zh-hans", "zh-hans", "kk", "ru", "en", "en"]


def test_clean_versions_keep_known_languages_and_fields_and_drop_the_authors_own():
    given = {"ru": {"title": "  Сварка "}, "en": {"title": "Welding"}, "kk": {"title": ""}}
    assert clean_translations(given, fields={"title": 200}, written_in="en") == {"ru": {"title": "Сварка"}}


@pytest.mark.parametrize("hostile", [
    {"de": {"title": "Schweißen"}},                 # an unknown language
    {"ru": {"summary": "Сварка"}},                  # an unknown field
    {"ru": {"title": {"nested": {"deeper": "x"}}}},  # nested JSON
    {"ru": ["Сварка"]},                             # not {field: text}
    {"ru": {"title": "x" * 10_000}},                # far beyond the title's 200 characters
    {"ru": {"title": "bell\x07"}},                  # a control character
    ["ru", "Сварка"],                               # not an object at all
])
def test_hostile_versions_are_refused(hostile):
    with pytest.raises(ValidationError):
        clean_translations(hostile, fields={"title": 200})


@pytest.mark.parametrize(("text", "language"), [("Дәнекерлеу тәжірибесі", "kk"), ("Практика по сварке", "ru"), ("焊接实习", "zh-hans"),
                                                ("Welding internship", "en"), ("Практика 2026 (焊接)", "zh-hans")])
def test_a_legacy_texts_language_is_read_from_its_script(text, language):
    assert detect_language(text) == language
