"""Blocked top-k search agrees with a full sort."""

from __future__ import annotations

import numpy as np

from ortaq.engines.alignment import top_k_rows, top_k_similar


def test_top_k_rows_agrees_with_a_full_descending_sort():
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((50, 300)).astype(np.float32)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :7]
    assert (top_k_rows(scores, 7) == expected).all()


def test_ties_are_broken_by_the_lower_index():
    scores = np.array([[0.5, 0.9, 0.9, 0.1, 0.9]])
    assert top_k_rows(scores, 3).tolist() == [[1, 2, 4]]


def test_blocked_search_gives_the_same_answer_as_one_big_matmul():
    rng = np.random.default_rng(2)
    q = rng.standard_normal((301, 16)).astype(np.float32)
    c = rng.standard_normal((500, 16)).astype(np.float32)
    idx, val = top_k_similar(q, c, k=5, block=64)
    full = q @ c.T
    assert (idx == np.argsort(-full, axis=1, kind="stable")[:, :5]).all()
    assert np.allclose(val, np.take_along_axis(full, idx, axis=1))


def test_k_is_capped_at_the_corpus_size():
    idx, val = top_k_similar(np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32)[:2], k=5)
    assert idx.shape == (3, 2)


def test_wide_rows_use_grouped_selection_and_still_agree_with_a_full_sort():
    rng = np.random.default_rng(3)
    scores = rng.standard_normal((20, 10_001)).astype(np.float32)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    assert (top_k_rows(scores, 5) == expected).all()
