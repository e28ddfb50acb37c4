"""Codemods for code people read and keep, built on libcst (the hot path stays on stdlib ``ast``).

:func:`specialise_source` turns an annotated file and one trial's parameters into the plain code that
trial ran (``nni-annot show EXP --best-code``). Pure: text in, values out; no file is read.
libcst is imported by this package only, so ``ss_gen``, ``expand`` and trials never pay for it.
"""

from __future__ import annotations

from nniannot.transformer.codemods.specialise import Specialised, specialise_source

__all__ = ["Specialised", "specialise_source"]
