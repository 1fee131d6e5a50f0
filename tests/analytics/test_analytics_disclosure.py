"""Small-cell suppression: primary (1–4 withheld) and complementary (no total reveals a withheld cell)."""

from ortaq.analytics.disclosure import suppress_cell, suppress_column


def test_large_cells_and_their_total_are_published_as_they_are():
    assert suppress_column([7, 8, 0]) == ([7, 8, 0], 15)


def test_zero_is_published_because_an_empty_cell_reveals_no_one():
    assert suppress_column([0, 0]) == ([0, 0], 0)
    assert suppress_cell(0) == 0


def test_a_single_small_cell_is_withheld_with_the_next_smallest_so_the_total_cannot_give_it_away():
    cells, total = suppress_column([10, 2, 30])
    assert cells == [None, None, 30]
    assert total == 42


def test_two_small_cells_adding_up_to_less_than_five_pull_in_a_third():
    # 1 + 1 = 2 would be recoverable from the total (only 1 + 1 makes 2), so 20 is withheld as well.
    cells, total = suppress_column([1, 1, 20, 50])
    assert cells == [None, None, None, 50]
    assert total == 72


def test_two_small_cells_adding_up_to_five_or_more_need_no_complement():
    assert suppress_column([2, 3, 40]) == ([None, None, 40], 45)


def test_the_total_is_withheld_when_no_other_cell_can_hide_a_small_one():
    assert suppress_column([3]) == ([None], None)
    assert suppress_column([3, 0]) == ([None, 0], None)


def test_a_total_under_five_is_withheld_even_when_its_cells_are_withheld_together():
    cells, total = suppress_column([1, 2])
    assert cells == [None, None]
    assert total is None


def test_every_published_table_leaves_no_single_withheld_cell_recoverable():
    for values in ([1, 9, 9, 9], [4, 5], [2, 2, 100], [1, 1, 1, 1, 1, 6], [5, 5, 1]):
        cells, total = suppress_column(values)
        hidden = [v for v, c in zip(values, cells) if c is None]
        assert all(c is None for v, c in zip(values, cells) if 0 < v < 5)
        if total is not None and hidden:
            assert len(hidden) >= 2 and sum(hidden) >= 5, values


def test_a_figure_published_alone_is_withheld_only_when_small():
    assert suppress_cell(4) is None
    assert suppress_cell(5) == 5
