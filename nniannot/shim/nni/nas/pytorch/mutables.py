"""``nni.nas.pytorch.mutables``: ``LayerChoice`` and ``InputChoice`` as PyTorch modules.

A mutable without a ``key`` is named as NNI names it: its class name and a counter shared by all
mutables of the process (``LayerChoice1``, ``InputChoice2``, ...). Until an architecture is applied
(:func:`nni.algorithms.nas.pytorch.classic_nas.get_and_apply_next_architecture`), a layer choice runs its
first candidate and an input choice takes its first ``n_chosen`` inputs.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any

import torch
from torch import nn

__all__ = ["InputChoice", "LayerChoice", "Mutable"]

_COUNTER = itertools.count(1)


def _reduce(tensors: list[Any], reduction: str) -> Any:
    if reduction == "none":
        return tensors
    if not tensors:
        return None
    if len(tensors) == 1:
        return tensors[0]
    if reduction == "sum":
        return sum(tensors[1:], tensors[0])
    if reduction == "mean":
        return sum(tensors[1:], tensors[0]) / len(tensors)
    if reduction == "concat":
        return torch.cat(tensors, dim=1)
    raise ValueError(f"unknown reduction {reduction!r}; use sum, mean, concat or none")


class Mutable(nn.Module):
    """A module with a choice in it, named by ``key``."""

    def __init__(self, key: str | None = None) -> None:
        super().__init__()
        self._key = str(key) if key is not None else f"{type(self).__name__}{next(_COUNTER)}"
        self._chosen: list[int] | None = None

    @property
    def key(self) -> str:
        return self._key

    @property
    def name(self) -> str:
        return self._key

    def _apply_choice(self, indices: list[int]) -> None:
        self._chosen = list(indices)


class LayerChoice(Mutable):
    """One of ``op_candidates`` (a list, or an OrderedDict of name -> module)."""

    def __init__(
        self,
        op_candidates: Any,
        reduction: str = "sum",
        return_mask: bool = False,
        key: str | None = None,
    ) -> None:
        super().__init__(key=key)
        self.names: list[str] = []
        items = (
            op_candidates.items()
            if isinstance(op_candidates, (dict, OrderedDict))
            else enumerate(op_candidates)
        )
        for name, module in items:
            self.add_module(str(name), module)
            self.names.append(str(name))
        self.length = len(self.names)
        self.reduction = reduction
        self.return_mask = return_mask

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int | str) -> nn.Module:
        return getattr(self, self.names[i] if isinstance(i, int) else i)

    @property
    def choices(self) -> list[nn.Module]:
        return [self[n] for n in self.names]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        chosen = self._chosen if self._chosen is not None else [0]
        out = _reduce([self[self.names[i]](*args, **kwargs) for i in chosen], self.reduction)
        if self.return_mask:
            mask = torch.zeros(self.length, dtype=torch.bool)
            mask[chosen] = True
            return out, mask
        return out


class InputChoice(Mutable):
    """``n_chosen`` of ``n_candidates`` inputs (named by ``choose_from``), reduced into one."""

    NO_KEY = ""

    def __init__(
        self,
        n_candidates: int | None = None,
        choose_from: list[str] | None = None,
        n_chosen: int | None = None,
        reduction: str = "sum",
        return_mask: bool = False,
        key: str | None = None,
    ) -> None:
        super().__init__(key=key)
        if n_candidates is None and choose_from is None:
            raise ValueError("InputChoice needs n_candidates or choose_from")
        if choose_from is None:
            choose_from = [self.NO_KEY] * int(n_candidates or 0)
        elif n_candidates is None:
            n_candidates = len(choose_from)
        if n_candidates != len(choose_from):
            raise ValueError(
                f"InputChoice: n_candidates is {n_candidates} but choose_from has {len(choose_from)}"
            )
        if n_chosen is not None and not 0 <= n_chosen <= n_candidates:
            raise ValueError(f"InputChoice: n_chosen {n_chosen} is not between 0 and {n_candidates}")
        self.n_candidates = n_candidates
        self.choose_from = list(choose_from)
        self.n_chosen = n_chosen
        self.reduction = reduction
        self.return_mask = return_mask

    def forward(self, optional_inputs: list[Any] | dict[str, Any]) -> Any:
        inputs = (
            [optional_inputs[k] for k in self.choose_from]
            if isinstance(optional_inputs, dict)
            else optional_inputs
        )
        if len(inputs) != self.n_candidates:
            raise ValueError(
                f"InputChoice {self.key!r}: expected {self.n_candidates} inputs, got {len(inputs)}"
            )
        chosen = self._chosen if self._chosen is not None else list(range(self.n_chosen or 1))
        out = _reduce([inputs[i] for i in chosen], self.reduction)
        if self.return_mask:
            mask = torch.zeros(self.n_candidates, dtype=torch.bool)
            mask[chosen] = True
            return out, mask
        return out
