"""Blocked top-k search over score matrices (numpy matmul + argpartition, no index structure needed)."""

from __future__ import annotations

import numpy as np


def top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indexes of the k highest scores of each row, best first (ties: lower index first)."""
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k <= 0:
        return np.zeros((n_rows, 0), dtype=np.intp)
    if k < n_cols:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols)).copy()
    picked = np.take_along_axis(scores, part, axis=1)
    # Sort the k picks by (-score, index) so that the order is deterministic under ties.
    order = np.lexsort((part, -picked), axis=1)
    return np.take_along_axis(part, order, axis=1)


def top_k_similar(queries: np.ndarray, corpus: np.ndarray, k: int = 5,
                  block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Top-k rows of ``corpus`` by dot product for every row of ``queries`` (both L2-normalised float32).

    Works block by block so that memory stays at ``block x len(corpus)`` scores.
    Returns (indexes, scores), each (len(queries), k), best first.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    corpus_t = np.ascontiguousarray(np.asarray(corpus, dtype=np.float32).T)
    k = min(k, corpus_t.shape[1])
    idx = np.empty((len(queries), k), dtype=np.intp)
    val = np.empty((len(queries), k), dtype=np.float32)
    for start in range(0, len(queries), block):
        stop = min(start + block, len(queries))
        scores = queries[start:stop] @ corpus_t
        top = top_k_rows(scores, k)
        idx[start:stop] = top
        val[start:stop] = np.take_along_axis(scores, top, axis=1)
    return idx, val
