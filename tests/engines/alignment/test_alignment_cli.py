"""`ortaq align SOURCE.json TARGET.json [-k 5] [--backend NAME]`: output shape and exit status 2 on bad input."""

from __future__ import annotations

import json

import pytest
from alignment_samples import TEXTS

from ortaq.cli import main


def _write(path, items):
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path):
    src = _write(tmp_path / "src.json", [{"id": k, "text": v["zh"], "lang": "zh"} for k, v in TEXTS.items()])
    tgt = _write(tmp_path / "tgt.json", [{"id": f"h-{k}", "text": v["kk"], "lang": "kk", "alt": {"ru": v["ru"]}}
                                         for k, v in TEXTS.items()])
    return src, tgt


def test_align_prints_the_k_best_targets_per_source_best_first(files, capsys):
    assert main(["align", *files, "-k", "2", "--backend", "lexical"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == set(TEXTS)
    for sid, matches in out.items():
        assert len(matches) == 2
        assert set(matches[0]) == {"target", "score"}
        assert matches[0]["target"] == f"h-{sid}"
        assert matches[0]["score"] >= matches[1]["score"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not valid JSON"),
        ('{"id": "a"}', "must be a JSON list of outcomes"),
        ('[{"id": "a", "text": "x", "lang": "fr"}]', "lang must be one of kk, ru, zh, en"),
        ('[{"id": "a", "text": "x"}]', "lacks 'lang'"),
        ('[{"id": "a", "text": "x", "lang": "en"}, {"id": "a", "text": "y", "lang": "en"}]', "duplicate id 'a'"),
        (b"\xff\xfe[]", "is not UTF-8 text"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, files, capsys, content, message):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main(["align", str(bad), files[1], "--backend", "lexical"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-k", "0"], "-k must be at least 1"),
        (["-k", "two"], "invalid int value"),
        (["--backend", "gpt"], "unknown backend 'gpt'"),
        (["--backend", "local:/no/such/dir"], "does not exist"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(files, capsys, args, message):
    assert main(["align", *files, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_missing_file_exits_2(tmp_path, files, capsys):
    assert main(["align", files[0], str(tmp_path / "missing.json"), "--backend", "lexical"]) == 2
    assert "cannot read target file" in capsys.readouterr().err


def test_a_missing_argument_exits_2(files, capsys):
    assert main(["align", files[0]]) == 2
    assert "required" in capsys.readouterr().err
