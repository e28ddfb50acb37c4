"""What analysing a very big file leaves behind in the process that analysed it."""

from __future__ import annotations

import gc

from nniannot.transformer import transform


def test_analysing_a_big_file_leaves_the_collector_on_and_its_tree_out_of_the_collectors_walks() -> None:
    small = "'''@nni.variable(nni.choice(1, 2), name=v)'''\nv = 1\n"
    big = "".join(f"'''@nni.variable(nni.choice(1, 2), name=v{i})'''\nv{i} = 1\n" for i in range(20_000))
    assert len(big) >= 1_000_000
    gc.unfreeze()
    try:
        transform(small)
        assert gc.isenabled() and gc.get_freeze_count() == 0
        result = transform(big)
        assert gc.isenabled()
        assert gc.get_freeze_count() > 20_000 * 5  # the nodes of the tree it keeps
        assert len(result.search_space) == 20_000
        gc.disable()
        try:
            transform(big)
            assert not gc.isenabled()  # a caller's choice to run without the collector is kept
        finally:
            gc.enable()
    finally:
        gc.unfreeze()
