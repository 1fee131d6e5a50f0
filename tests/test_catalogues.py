"""Every user-facing string is translated into Kazakh, Russian and Chinese: no empty or fuzzy msgstr."""

import re
from pathlib import Path

import pytest

import ortaq

LOCALE = Path(ortaq.__file__).parent / "locale"


def entries(po: Path):
    """Yield (msgid, [msgstr...], flags) for each entry of a .po file (enough of the format for this check)."""
    text = po.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [l for l in block.strip().splitlines() if l and not l.startswith("#~")]
        flags = " ".join(l for l in lines if l.startswith("#,"))
        current, fields = None, {}
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields and fields["msgid"]:
            # A plural entry's placeholders may come from either form ("the %(n)s PDFs" only in the plural).
            msgid = fields["msgid"] + ("\x00" + fields["msgid_plural"] if "msgid_plural" in fields else "")
            yield msgid, [v for k, v in fields.items() if k.startswith("msgstr")], flags


@pytest.mark.parametrize("language", ["kk", "ru", "zh_Hans"])
def test_no_msgstr_is_empty_or_fuzzy(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    found = list(entries(po))
    assert len(found) > 300
    untranslated = [msgid for msgid, msgstrs, _ in found if not msgstrs or any(not s.strip() for s in msgstrs)]
    fuzzy = [msgid for msgid, _, flags in found if "fuzzy" in flags]
    assert untranslated == [], f"{len(untranslated)} untranslated in {language}, e.g. {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {language}, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("language", ["kk", "ru", "zh_Hans", "en"])
def test_compiled_catalogues_are_up_to_date(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"run msgfmt for {language}"
    assert mo.stat().st_mtime >= po.stat().st_mtime - 1, f"{mo} is older than its .po: recompile"


def test_placeholders_survive_translation():
    for language in ("kk", "ru", "zh_Hans"):
        for msgid, msgstrs, _ in entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
            wanted = set(re.findall(r"%\(\w+\)[sd]", msgid))
            for msgstr in msgstrs:
                assert set(re.findall(r"%\(\w+\)[sd]", msgstr)) <= wanted | {"%(count)s", "%(count)d"}, (language, msgid, msgstr)


def test_djangos_own_kazakh_gaps_are_filled_by_the_project():
    from django.utils import translation
    from django.utils.translation import gettext

    english = "The two password fields didn’t match."
    with translation.override("kk"):
        assert gettext(english) != english


def test_the_home_page_reads_in_kazakh(client, db):
    page = client.get("/kk/").content.decode()
    assert "Ortaq — the shared platform" not in page and "ортақ платформасы" in page


@pytest.mark.parametrize("language", ["kk", "ru", "zh_Hans", "en"])
def test_catalogues_compile_with_format_checks_and_match_the_committed_mo(language, tmp_path):
    """msgfmt --check-format catches a translation whose %(name)s placeholders differ from its msgid."""
    import os
    import shutil
    import subprocess

    if shutil.which("msgfmt") is None:
        if os.getenv("CI") == "true":
            pytest.fail("gettext's msgfmt is required in CI (.ci/run installs it)")
        pytest.skip("msgfmt not installed")
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    out = tmp_path / "django.mo"
    result = subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(po)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == po.with_suffix(".mo").read_bytes(), f"recompile {language}: the committed .mo is stale"
