"""`ortaq credentials keygen|sign|verify` as an operator would use it."""

from __future__ import annotations

import json

import ortaq.engines.credentials as creds
from ortaq.cli import main as ortaq_main


def test_it_generates_signs_and_verifies_from_the_command_line(tmp_path, make_credential, capsys) -> None:
    key_file, unsigned, signed = tmp_path / "key.json", tmp_path / "in.json", tmp_path / "out.json"
    assert ortaq_main(["credentials", "keygen", "-o", str(key_file)]) == 0
    key = json.loads(key_file.read_text())
    assert {"type", "id", "controller", "publicKeyMultibase", "secretKeyMultibase"} <= key.keys()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    unsigned.write_text(json.dumps(make_credential(key["controller"]), ensure_ascii=False), encoding="utf-8")
    assert ortaq_main(["credentials", "sign", "--key", str(key_file), str(unsigned), "-o", str(signed)]) == 0
    assert json.loads(signed.read_text())["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    capsys.readouterr()
    assert ortaq_main(["credentials", "verify", str(signed)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verified"] is True and [c["check"] for c in report["checks"]][-1] == "status"


def test_it_refuses_to_sign_for_an_issuer_that_does_not_control_the_key(tmp_path, make_credential, capsys) -> None:
    key_file, unsigned = tmp_path / "key.json", tmp_path / "in.json"
    ortaq_main(["credentials", "keygen", "-o", str(key_file)])
    unsigned.write_text(json.dumps(make_credential(creds.generate_key().controller)))
    assert ortaq_main(["credentials", "sign", "--key", str(key_file), str(unsigned), "-o", str(tmp_path / "o.json")]) == 1
    assert "refused: the issuer" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_it_exits_non_zero_with_a_report_for_a_tampered_credential(tmp_path, signed_diploma, capsys) -> None:
    signed_diploma["name"] = "Forged"
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(signed_diploma))
    assert ortaq_main(["credentials", "verify", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["verified"] is False
    assert "signature does not match" in next(c["reason"] for c in report["checks"] if c["check"] == "proof")


def test_it_prints_one_line_errors_and_never_a_traceback(tmp_path, capsys) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\x01{{{")
    assert ortaq_main(["credentials", "verify", str(garbage)]) == 1
    assert ortaq_main(["credentials", "verify", str(tmp_path / "missing.json")]) == 2
    assert ortaq_main(["credentials", "sign", "--key", str(garbage), str(garbage), "-o", str(tmp_path / "x")]) == 2
    assert ortaq_main(["credentials", "frobnicate"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "cannot read" in captured.err


def test_it_checks_status_from_a_list_file_given_on_the_command_line(tmp_path, college_key, make_credential, capsys) -> None:
    status_list = creds.StatusList()
    index = status_list.allocate()
    url = "https://almaty-poly.edu.kz/status/1"
    credential = creds.sign(make_credential(college_key.controller, status=[status_list.entry(index, url)]), college_key)
    status_list.set(index)
    (tmp_path / "c.json").write_text(json.dumps(credential))
    (tmp_path / "list.json").write_text(json.dumps(creds.sign(status_list.credential(url, college_key.controller), college_key)))
    assert ortaq_main(["credentials", "verify", str(tmp_path / "c.json"), "--status-list", str(tmp_path / "list.json")]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "revoked"
