"""Ranking metrics for the alignment benchmark (recall@k, MRR, nDCG@k with graded relevance)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def ranking_metrics(ranked: Sequence[str], relevance: Mapping[str, float], ks: tuple[int, ...] = (1, 5),
                    ndcg_at: int = 10) -> dict[str, float]:
    """Metrics for one query. ``relevance``: graded relevance of the relevant items (missing = 0).

    recall@k and MRR count an item as a hit when it has the query's highest grade (for a single relevant
    item: that item); nDCG@k uses the grades as gains (2^g - 1).
    """
    if not relevance or max(relevance.values()) <= 0:
        raise ValueError("a query needs at least one relevant item")
    top = max(relevance.values())
    hits = [i for i, item in enumerate(ranked) if relevance.get(item, 0) == top]
    out = {f"R@{k}": float(any(i < k for i in hits)) for k in ks}
    out["MRR"] = 1.0 / (hits[0] + 1) if hits else 0.0
    dcg = sum((2 ** relevance.get(item, 0) - 1) / math.log2(i + 2) for i, item in enumerate(ranked[:ndcg_at]))
    ideal = sorted(relevance.values(), reverse=True)[:ndcg_at]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    out[f"nDCG@{ndcg_at}"] = dcg / idcg if idcg else 0.0
    return out


def mean_metrics(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]}


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % for z = 1.96); (0, 1) when there is nothing to measure."""
    if n <= 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
