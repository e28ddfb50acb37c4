"""Experiment archives: ``nni-annot save`` writes one experiment to a file, ``nni-annot load`` adds it to a home.

An archive is a gzip-compressed tar file (:mod:`nniannot.runner.archive.layout` documents its members and
version). It holds everything ``show``, ``export``, the viewer, ``show --best-code`` and ``resume`` read:
the experiment's store rows, its trial directories (logs and other files a trial wrote can be left out) and
the code snapshots its trials ran. Loading checks the whole archive before writing anything, and relocates the
paths recorded in the rows from the old home to the new one.
"""

from __future__ import annotations

from nniannot.runner.archive.load import LoadResult, load_archive
from nniannot.runner.archive.save import SaveResult, save_archive

__all__ = ["LoadResult", "SaveResult", "load_archive", "save_archive"]
