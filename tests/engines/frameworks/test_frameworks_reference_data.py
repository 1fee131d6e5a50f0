"""Reference-data engine: ISCED-F 2013, levels, crosswalk, languages, countries."""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from ortaq.engines import frameworks as fw

PACKAGE_DIR = Path(fw.__file__).parent
DATA_FILES = sorted(p.name for p in (PACKAGE_DIR / "data").glob("*.json"))


def all_term_lists() -> dict[str, list[fw.Term]]:
    lists = {
        "isced": fw.isced_fields(),
        "language_frameworks": fw.language_frameworks(),
        "languages": fw.languages(),
        "countries": fw.countries(),
        "mobility_types": fw.mobility_types(),
        "accessibility_facilities": fw.accessibility_facilities(),
    }
    for name in fw.LEVEL_FRAMEWORKS:
        lists[f"levels:{name}"] = fw.levels(name)
    for name in fw.LANGUAGE_FRAMEWORKS:
        lists[f"language_levels:{name}"] = fw.language_levels(name)
    return lists


# --------------------------------------------------------------------- ISCED


def test_isced_has_the_published_number_of_codes_per_group():
    # Verified against the UNESCO UIS code list: 11 broad fields 00-10 plus
    # 99 "Field unknown"; 58 narrow and 149 detailed codes including the
    # not-further-defined, inter-disciplinary and not-elsewhere-classified ones.
    counts = Counter(t.group for t in fw.isced_fields())
    assert counts == {"broad": 12, "narrow": 58, "detailed": 149}


def test_isced_has_29_substantive_narrow_and_80_substantive_detailed_fields():
    # "ISCED-F 2013 ... 11 broad fields, 29 narrow fields and 80 detailed fields"
    # once the residual codes (ending in 0, 8 or 9, and the 99x unknowns) are set aside.
    def substantive(t: fw.Term) -> bool:
        return not t.code.startswith("99") and t.code[-1] not in "089"

    narrow = [t for t in fw.isced_fields() if t.group == "narrow" and substantive(t)]
    detailed = [t for t in fw.isced_fields() if t.group == "detailed" and substantive(t)]
    broad = [t for t in fw.isced_fields() if t.group == "broad" and t.code != "99"]
    assert (len(broad), len(narrow), len(detailed)) == (11, 29, 80)


def test_isced_broad_codes_are_00_to_10_and_99():
    broad = [t.code for t in fw.isced_fields() if t.group == "broad"]
    assert broad == [f"{i:02d}" for i in range(11)] + ["99"]


def test_isced_codes_are_unique_and_have_the_length_of_their_group():
    codes = [t.code for t in fw.isced_fields()]
    assert len(codes) == len(set(codes))
    expected_len = {"broad": 2, "narrow": 3, "detailed": 4}
    for t in fw.isced_fields():
        assert re.fullmatch(r"\d+", t.code)
        assert len(t.code) == expected_len[t.group], t


def test_every_narrow_and_detailed_code_has_an_existing_parent_of_the_level_above():
    above = {"narrow": "broad", "detailed": "narrow"}
    for t in fw.isced_fields():
        parent = fw.isced_parent(t.code)
        if t.group == "broad":
            assert parent is None
            continue
        assert parent is not None and parent == t.code[:-1]
        assert fw.isced_field(parent).group == above[t.group]


def test_every_broad_and_narrow_code_has_at_least_one_child():
    parents = {fw.isced_parent(t.code) for t in fw.isced_fields()}
    for t in fw.isced_fields():
        if t.group != "detailed":
            assert t.code in parents, t.code


def test_isced_list_is_in_hierarchical_order():
    codes = [t.code for t in fw.isced_fields()]
    assert codes == sorted(codes, key=lambda c: (c[:2], c[:3].ljust(3, " "), c.ljust(4, " ")))


def test_isced_parent_walks_up_the_hierarchy():
    assert fw.isced_parent("0413") == "041"
    assert fw.isced_parent("041") == "04"
    assert fw.isced_parent("04") is None
    assert fw.isced_parent("0999") == "099"
    assert fw.isced_parent("1041") == "104"
    assert fw.isced_parent("0549") is None  # not a published code
    assert fw.isced_parent("abc") is None


@pytest.mark.parametrize(
    "code, english",
    [
        ("00", "Generic programmes and qualifications"),
        ("0000", "Generic programmes and qualifications not further defined"),
        ("0031", "Personal skills and development"),
        ("0099", "Generic programmes and qualifications not elsewhere classified"),
        ("0113", "Teacher training without subject specialisation"),
        ("0188", "Inter-disciplinary programmes and qualifications involving education"),
        ("0210", "Arts not further defined"),
        ("0229", "Humanities (except languages) not elsewhere classified"),
        ("04", "Business, administration and law"),
        ("0413", "Management and administration"),
        ("06", "Information and Communication Technologies (ICTs)"),
        (
            "0688",
            "Inter-disciplinary programmes and qualifications involving "
            "Information and Communication Technologies (ICTs)",
        ),
        ("0722", "Materials (glass, paper, plastic and wood)"),
        ("0799", "Engineering, manufacturing and construction not elsewhere classified"),
        ("0921", "Care of the elderly and of disabled adults"),
        ("1013", "Hotel, restaurants and catering"),
        ("1088", "Inter-disciplinary programmes and qualifications involving services"),
        ("99", "Field unknown"),
        ("9999", "Field unknown"),
    ],
)
def test_isced_english_names_are_the_unesco_ones(code, english):
    assert fw.isced_field(code).names["en"] == english


def test_is_isced_code_accepts_published_codes_only():
    assert fw.is_isced_code("0413")
    assert fw.is_isced_code("10")
    assert fw.is_isced_code("0288")
    for bad in ("0549", "0739", "4", "0418", "", "11", "abcd"):
        assert not fw.is_isced_code(bad), bad
    assert fw.isced_field("0000").group == "detailed"
    assert fw.isced_field("nope") is None


def test_isced_translations_use_the_right_scripts():
    for t in fw.isced_fields():
        assert re.search("[\u4e00-\u9fff]", t.names["zh-hans"]), t
        assert re.search("[а-яё]", t.names["ru"], re.I), t
        assert re.search("[а-яәіңғүұқөһ]", t.names["kk"], re.I), t


# -------------------------------------------------------------- all the terms


def test_every_term_has_non_empty_names_in_all_four_languages():
    for list_name, terms in all_term_lists().items():
        assert terms, list_name
        for t in terms:
            assert set(t.names) == set(fw.LANGS), (list_name, t.code)
            for lang in fw.LANGS:
                assert t.names[lang].strip(), (list_name, t.code, lang)


def test_codes_are_unique_within_each_list():
    for list_name, terms in all_term_lists().items():
        codes = [t.code for t in terms]
        assert len(codes) == len(set(codes)), list_name


def test_each_data_file_cites_its_source_in_a_meta_key():
    assert DATA_FILES
    for name in DATA_FILES:
        data = json.loads(resources.files(fw).joinpath("data", name).read_text(encoding="utf-8"))
        meta = data["_meta"]
        assert meta.get("source") or meta.get("sources"), name


def test_isced_meta_cites_unesco():
    data = json.loads((PACKAGE_DIR / "data" / "isced_f_2013.json").read_text(encoding="utf-8"))
    assert "UNESCO Institute for Statistics" in data["_meta"]["source"]
    assert "ISCED-F 2013" in data["_meta"]["source"]


def test_lists_are_fresh_copies_so_callers_cannot_corrupt_the_cache():
    fields = fw.isced_fields()
    fields.clear()
    assert len(fw.isced_fields()) == 219


# --------------------------------------------------------------------- levels


@pytest.mark.parametrize("framework", ["eqf", "kz_nqf"])
def test_eqf_and_kz_nqf_have_levels_1_to_8_in_order(framework):
    assert [t.code for t in fw.levels(framework)] == [str(i) for i in range(1, 9)]
    assert all(t.group == framework for t in fw.levels(framework))


def test_chinese_levels_run_from_secondary_to_doctorate_with_tvet_levels():
    codes = [t.code for t in fw.levels("cn")]
    for code in ("secondary_vocational", "higher_vocational_associate", "vocational_bachelor",
                 "bachelor", "master", "doctorate"):
        assert code in codes
    assert codes.index("secondary_vocational") < codes.index("higher_vocational_associate")
    assert codes.index("higher_vocational_associate") < codes.index("vocational_bachelor")
    assert codes.index("master") < codes.index("doctorate") == len(codes) - 1
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", c) for c in codes)
    assert "中职" in fw.level("cn", "secondary_vocational").names["zh-hans"]
    assert "高职专科" in fw.level("cn", "higher_vocational_associate").names["zh-hans"]


def test_level_lookup_returns_the_term_or_none():
    assert fw.level("eqf", "4").code == "4"
    assert fw.level("kz_nqf", 8).code == "8"
    assert fw.level("eqf", "9") is None
    assert fw.level("nope", "1") is None
    assert fw.levels("nope") == []


def test_crosswalk_rows_reference_existing_level_codes():
    rows = fw.crosswalk()
    assert rows
    for row in rows:
        assert fw.level("kz_nqf", row["kz_nqf"]) is not None, row
        assert fw.level("eqf", row["eqf"]) is not None, row
        assert fw.level("cn", row["cn"]) is not None, row
        assert set(row["note"]) == set(fw.LANGS) and all(row["note"].values())


def test_crosswalk_covers_the_example_row_and_every_chinese_level_above_junior_secondary():
    rows = fw.crosswalk()
    assert any(r["kz_nqf"] == "4" and r["eqf"] == "4" and r["cn"] == "secondary_vocational" for r in rows)
    assert {r["cn"] for r in rows} >= {t.code for t in fw.levels("cn")} - {"junior_secondary"}


def test_crosswalk_is_marked_indicative_in_the_docstring_and_rows():
    assert "indicative, to be confirmed by the recognition authority" in fw.__doc__.lower()
    for row in fw.crosswalk():
        assert "recognition authority" in row["note"]["en"]


def test_crosswalk_rows_are_copies():
    fw.crosswalk()[0]["note"]["en"] = "changed"
    assert fw.crosswalk()[0]["note"]["en"] != "changed"


# --------------------------------------------------------- language frameworks


def test_language_frameworks_are_cefr_hsk_and_kaztest():
    assert [t.code for t in fw.language_frameworks()] == ["cefr", "hsk", "kaztest"]


def test_language_levels_are_ordered_low_to_high():
    assert [t.code for t in fw.language_levels("cefr")] == ["A1", "A2", "B1", "B2", "C1", "C2"]
    assert [t.code for t in fw.language_levels("hsk")] == [str(i) for i in range(1, 10)]
    assert [t.code for t in fw.language_levels("kaztest")] == ["A1", "A2", "B1", "B2", "C1"]
    assert fw.language_levels("toefl") == []


def test_language_level_rank_supports_at_least_comparisons():
    assert fw.language_level_rank("cefr", "A1") == 0
    assert fw.language_level_rank("cefr", "C2") == 5
    assert fw.language_level_rank("cefr", "b2") > fw.language_level_rank("cefr", "B1")
    assert fw.language_level_rank("hsk", "9") == 8
    assert fw.language_level_rank("hsk", "HSK4") == 3
    assert fw.language_level_rank("kaztest", "C1") == 4
    assert fw.language_level_rank("kaztest", "C2") is None
    assert fw.language_level_rank("nope", "A1") is None


# ----------------------------------------------------- languages and countries


def test_languages_are_the_twelve_iso_639_1_codes():
    assert [t.code for t in fw.languages()] == [
        "kk", "ru", "zh", "en", "uz", "ky", "tg", "be", "fa", "tr", "de", "fr",
    ]


def test_countries_include_all_required_iso_alpha2_codes():
    required = "KZ CN RU KG UZ TJ BY IR IN PK MN TR AZ AM GE TM AF DE FR GB US KR JP MY TH AE".split()
    codes = {t.code for t in fw.countries()}
    assert set(required) <= codes
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes)


def test_country_lookup_is_case_insensitive_and_names_are_localized():
    assert fw.country("kz").names["kk"] == "Қазақстан"
    assert fw.country("CN").names["zh-hans"] == "中国"
    assert fw.country("XX") is None


def test_mobility_types_have_the_pinned_codes():
    assert [t.code for t in fw.mobility_types()] == [
        "student_study", "student_internship", "teacher_internship", "staff_training",
    ]


def test_accessibility_facilities_have_the_pinned_codes():
    assert {t.code for t in fw.accessibility_facilities()} == {
        "step_free_access", "accessible_toilets", "sign_language", "hearing_loop",
        "braille_materials", "screen_reader_materials", "adapted_workplace", "quiet_room",
        "assistance_staff", "accessible_dormitory",
    }


# ----------------------------------------------------------------- localized


@pytest.mark.parametrize("lang", ["zh-hans", "zh", "zh-Hans", "ZH_hans", "zh-CN"])
def test_localized_maps_chinese_variants_to_simplified(lang):
    assert fw.localized(fw.country("KZ"), lang) == "哈萨克斯坦"


@pytest.mark.parametrize("lang, expected", [("kk-kz", "Қазақстан"), ("kk", "Қазақстан"),
                                            ("ru-RU", "Казахстан"), ("en-GB", "Kazakhstan")])
def test_localized_uses_the_primary_language_subtag(lang, expected):
    assert fw.localized(fw.country("KZ"), lang) == expected


@pytest.mark.parametrize("lang", ["de", "", None, "xx-yy"])
def test_localized_falls_back_to_english(lang):
    assert fw.localized(fw.isced_field("0413"), lang) == "Management and administration"


def test_localized_falls_back_to_english_when_a_translation_is_missing():
    term = fw.Term(code="x", names={"en": "Thing", "kk": ""})
    assert fw.localized(term, "kk") == "Thing"
    assert fw.localized(fw.Term(code="y", names={}), "ru") == "y"


# ------------------------------------------------------------ engine hygiene


def test_no_django_import_anywhere_in_the_package():
    for path in PACKAGE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"django", "ninja"}, (path, name)
