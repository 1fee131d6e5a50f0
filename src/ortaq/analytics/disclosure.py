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


def complements(n_small: int, sum_small: int, larger_ascending: list[int], *, threshold: int = THRESHOLD) -> tuple[int, bool]:
    """Given the small cells of a column (how many, their sum) and its larger cells smallest first (ties in
    the table's order), how many larger cells must be withheld too, and whether the total may be shown."""
    k = 0
    if n_small:
        while (n_small + k < 2 or sum_small < threshold) and k < len(larger_ascending):
            sum_small += larger_ascending[k]
            k += 1
    total_ok = not (n_small and (n_small + k < 2 or sum_small < threshold))
    return k, total_ok


def suppress_column(values: list[int], *, threshold: int = THRESHOLD) -> tuple[list[int | None], int | None]:
    """The column's cells and total as they may be published (None = withheld)."""
    small = [i for i, v in enumerate(values) if 0 < v < threshold]
    larger = sorted((i for i, v in enumerate(values) if v >= threshold), key=lambda i: (values[i], i))
    k, total_ok = complements(len(small), sum(values[i] for i in small), [values[i] for i in larger], threshold=threshold)
    hidden = {*small, *larger[:k]}
    total = sum(values)
    shown_total = total if total_ok and not 0 < total < threshold else None
    return [None if i in hidden else v for i, v in enumerate(values)], shown_total


def suppress_cell(value: int, *, threshold: int = THRESHOLD) -> int | None:
    """A figure published on its own (no total beside it): withheld only when it is small."""
    return None if 0 < value < threshold else value
