"""`ortaq warmup` leaves the placement kernels in Numba's cache, so no later process compiles them.

A second process that runs the same kernels must load every one of them from the cache (numba's dispatcher
statistics count a cache miss for each compilation): that is what spares a coordinator's first national
round the 20 s compile (docs/decisions/0005).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ortaq import cli


def _warmup(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ortaq.cli", "warmup", *args], capture_output=True, text=True, timeout=900,
                          env={**os.environ, **(env or {})})


def test_after_warmup_a_second_process_loads_every_kernel_from_the_cache():
    assert _warmup("--quiet").returncode == 0
    checked = _warmup("--check", "--json")
    report = json.loads(checked.stdout)
    assert checked.returncode == 0, checked.stderr
    assert report["cache_valid"] is True and report["compiled"] == []
    assert report["kernels"] >= 8  # the reader, the lottery and orders, the solver and the writer all ran


@pytest.mark.slow
def test_check_fails_on_an_empty_cache_and_passes_once_warmup_has_filled_it(tmp_path):
    cache = {"NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    cold = _warmup("--check", "--json", env=cache)  # compiles every kernel: the cache was empty
    assert cold.returncode == 1 and json.loads(cold.stdout)["compiled"]
    warm = _warmup("--check", "--json", env=cache)
    assert warm.returncode == 0, warm.stderr
    assert json.loads(warm.stdout)["compiled"] == []


def test_the_command_is_listed_in_the_usage(capsys):
    assert cli.main(["--help"]) == 0
    assert "warmup" in capsys.readouterr().out


def test_serve_does_not_start_a_warmup_when_it_is_turned_off(monkeypatch):
    from ortaq import warmup

    monkeypatch.setenv("ORTAQ_WARMUP", "0")
    assert warmup.start_in_background() is None
