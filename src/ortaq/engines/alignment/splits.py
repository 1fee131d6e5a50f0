"""The train / calibration / held-out split of labelled alignment data, and the guard every fitting step uses.

A figure measured on data that shaped the engine is optimistic, so the split is by *competence* (all language
versions of one competence fall on the same side) and every fitting step (calibration, fusion weight,
glossary extension, module-probability fit) receives its items with their split and refuses held-out ones
(``require_fitting``). The assignment is a pure function of the competence ids, so it can be recomputed and
checked against the split recorded in the data file.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

SPLITS = ("train", "calibration", "heldout")
FITTING_SPLITS = frozenset({"train", "calibration"})
SALT = "ortaq-alignment-independent-v1"
# Per specialty of 15 competences: 7 held out (47 %), 5 train, 3 calibration. Stratified by specialty so that
# every specialty (and its near-miss neighbour) is present in the held-out part.
HELDOUT_SHARE = 7 / 15
TRAIN_SHARE = 5 / 15


class HeldOutLeak(ValueError):
    """A fitting step was given a held-out item (or an item whose split it cannot tell)."""


def _rank_key(competence: str) -> str:
    return hashlib.sha256(f"{SALT}:{competence}".encode()).hexdigest()


def assign_splits(competences: Mapping[str, str]) -> dict[str, str]:
    """{competence id: specialty} -> {competence id: split}; deterministic (sha256 rank within each specialty)."""
    by_spec: dict[str, list[str]] = defaultdict(list)
    for cid, spec in competences.items():
        by_spec[spec].append(cid)
    out: dict[str, str] = {}
    for ids in by_spec.values():
        ranked = sorted(ids, key=_rank_key)
        n_held = round(len(ranked) * HELDOUT_SHARE)
        n_train = round(len(ranked) * TRAIN_SHARE)
        for i, cid in enumerate(ranked):
            out[cid] = "heldout" if i < n_held else "train" if i < n_held + n_train else "calibration"
    return out


def require_fitting(items: Iterable[Any], step: str, allowed: Iterable[str] = FITTING_SPLITS) -> list[Any]:
    """Return the items as a list if every one carries an allowed split; raise ``HeldOutLeak`` otherwise.

    An item is a mapping with a ``"split"`` key or an object with a ``split`` attribute. Items without a split
    are refused too: a fitting step must be told where its data come from.
    """
    allowed = frozenset(allowed)
    if "heldout" in allowed:
        raise HeldOutLeak(f"{step}: held-out data may never be allowed in a fitting step")
    out = list(items)
    for item in out:
        split = item.get("split") if isinstance(item, Mapping) else getattr(item, "split", None)
        if split not in allowed:
            ident = item.get("id") if isinstance(item, Mapping) else getattr(item, "id", item)
            raise HeldOutLeak(f"{step}: item {ident!r} is in split {split!r}; only {sorted(allowed)} may be fitted on")
    return out
