"""Statistical disclosure control for published counts of people.

Primary suppression: a count from 1 to THRESHOLD-1 is withheld (shown as "<5", null in JSON).
Complementary suppression: a table shows its total, so one withheld cell could be recovered by subtraction
(total minus the others), and two withheld cells of 1 each could be recovered too (their sum, 2, allows only
1 + 1). So while fewer than two cells are withheld, or the withheld cells add up to less than THRESHOLD,
the next smallest shown non-zero cell is withheld as well; when no cell is left to withhold, the total is
withheld instead. Zeros are shown: an empty cell reveals no one.
"""

from __future__ import annotations

THRESHOLD = 5


def suppress_column(values: list[int], *, threshold: int = THRESHOLD) -> tuple[list[int | None], int | None]:
    """The column's cells and total as they may be published (None = withheld)."""
    total = sum(values)
    hidden = {i for i, v in enumerate(values) if 0 < v < threshold}
    if hidden:
        while len(hidden) < 2 or sum(values[i] for i in hidden) < threshold:
            candidates = [i for i, v in enumerate(values) if v > 0 and i not in hidden]
            if not candidates:
                break
            hidden.add(min(candidates, key=lambda i: (values[i], i)))
    shown_total: int | None = total
    if hidden and (len(hidden) < 2 or sum(values[i] for i in hidden) < threshold):
        shown_total = None
    if 0 < total < threshold:
        shown_total = None
    return [None if i in hidden else v for i, v in enumerate(values)], shown_total


def suppress_cell(value: int, *, threshold: int = THRESHOLD) -> int | None:
    """A figure published on its own (no total beside it): withheld only when it is small."""
    return None if 0 < value < threshold else value
