"""Revision chains: the experiments one watch session created, linked by ``parent_id``.

Watch mode records each revision as an experiment whose ``parent_id`` is the previous revision's, so a
session is the chain from its first revision down. Readers (``show``, the viewer) group with this.
"""

from __future__ import annotations

from nniannot.runner.store.reader import StoreReader
from nniannot.runner.store.records import Experiment

# Up to the chain's first revision (an experiment without a parent, or whose parent was deleted), then down
# to every experiment derived from it. UNION, not UNION ALL: a damaged store with a cycle still ends.
_CHAIN = """
WITH RECURSIVE
up(id, parent_id) AS (
    SELECT id, parent_id FROM experiments WHERE id = ?
    UNION SELECT e.id, e.parent_id FROM experiments e JOIN up ON e.id = up.parent_id
),
root(id) AS (
    SELECT id FROM up WHERE parent_id IS NULL OR parent_id NOT IN (SELECT id FROM experiments)
),
down(id) AS (
    SELECT id FROM root
    UNION SELECT e.id FROM experiments e JOIN down ON e.parent_id = down.id
)
SELECT experiments.id FROM experiments JOIN down ON experiments.id = down.id
ORDER BY experiments.revision, experiments.created_at, experiments.rowid
"""


def revisions(reader: StoreReader, exp_id: str) -> list[Experiment]:
    """Every experiment of ``exp_id``'s revision chain, first revision first (``[exp]`` if it has none).

    Raises:
        ExperimentNotFound: no experiment ``exp_id``.
    """
    experiment = reader.get_experiment(exp_id)
    ids = [row["id"] for row in reader._rows(_CHAIN, (exp_id,), "read the revisions of an experiment")]
    return [reader.get_experiment(i) if i != exp_id else experiment for i in ids] or [experiment]
