"""A round's stored results as people read them: cut-offs in words, and an applicant's own standing.

The engine stores per option and block ("open", then each reserved category) the seats, how many were
filled and, when filled, the last admitted applicant's rank in the option's order and (under the points
rule) her points in hundredths (`priority`):

    {"open": {"seats": 2, "filled": 2, "last": "a17", "rank": 14, "priority": 7150, "lottery": 0.41},
     "inclusion": {"seats": 1, "filled": 0, "last": null, "rank": null}}

A block with free seats took every eligible applicant who chose it; a full block took those ranked up to
`rank`. An applicant ranked below that is on the option's waiting list, `her rank - rank` places down.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .round_input import INCLUSION

OPEN = "open"


def block_label(name: str) -> str:
    if name == OPEN:
        return _("Open places")
    if name == INCLUSION:
        return _("Places reserved for inclusion")
    return name


def cutoff_points(block: dict[str, Any]) -> Decimal | None:
    """The last admitted applicant's points (stored in hundredths), if the option ranks by points."""
    priority = block.get("priority")
    return None if priority is None else Decimal(int(priority)) / 100


def block_text(block: dict[str, Any]) -> str:
    """One block in words, e.g. "2 seats, 0 filled, open" or "3 seats, full, cut-off score 71.50 (rank 14)"."""
    seats, filled = int(block.get("seats") or 0), int(block.get("filled") or 0)
    text = ngettext("%(seats)d seat, %(filled)d filled", "%(seats)d seats, %(filled)d filled", seats) % {"seats": seats, "filled": filled}
    if seats == 0:
        return text
    if filled < seats:
        return _("%(seats_filled)s, open to every eligible applicant") % {"seats_filled": text}
    points, rank = cutoff_points(block), block.get("rank")
    if points is not None:
        return _("%(seats_filled)s, full: cut-off score %(points)s (rank %(rank)s)") % {
            "seats_filled": text, "points": number_format(points, 2), "rank": rank}
    return _("%(seats_filled)s, full: cut-off rank %(rank)s") % {"seats_filled": text, "rank": rank}


def cutoff_lines(cutoff: dict[str, Any]) -> list[str]:
    """A stored cutoff as lines a person reads, one per block, open places first."""
    names = sorted((n for n, b in cutoff.items() if isinstance(b, dict)), key=lambda n: (n != OPEN, n))
    if len(names) == 1:
        return [block_text(cutoff[names[0]])]
    return [f"{block_label(name)}: {block_text(cutoff[name])}" for name in names]


def waiting_position(rank: int | None, cutoff: dict[str, Any]) -> int | None:
    """How far below the last admitted applicant of the open places this rank is (1: next in line), or
    None when she was not below a full block (free seats, or no rank)."""
    block = cutoff.get(OPEN) or {}
    last = block.get("rank")
    if rank is None or last is None or int(block.get("filled") or 0) < int(block.get("seats") or 0):
        return None
    return max(1, int(rank) - int(last))


def standing(explanations: list[dict], cutoffs: dict[int, dict], placed_option: int | None) -> list[dict]:
    """Per option the applicant ranked above her placement (or all, if unplaced): her rank there, the cut-off
    in words and her waiting-list position; and the placement's own cut-off last."""
    rows = []
    for item in explanations:
        cutoff = cutoffs.get(item["option"], {})
        rank = item.get("rank") if item["reason"] == "below_cutoff" else None
        rows.append({"option": item["option"], "rank": rank, "cutoff": cutoff_lines(cutoff) if cutoff else [],
                     "waiting": waiting_position(rank, cutoff), "placed": False})
    if placed_option is not None:
        cutoff = cutoffs.get(placed_option, {})
        rows.append({"option": placed_option, "rank": None, "cutoff": cutoff_lines(cutoff) if cutoff else [], "waiting": None, "placed": True})
    return rows
