"""A small random forest regressor in numpy, the surrogate of :mod:`~nniannot.runner.tuners.smac`.

As SMAC's forest: every tree is grown on a bootstrap sample, tries a random subset of the features at each
split (variance reduction), and stops at ``min_split`` points or ``min_leaf`` points per side. Numeric
features split at a threshold, categorical ones as "this value or not". The prediction is the mean over
trees; its variance is the variance of the tree means plus the mean within-leaf variance (the law of total
variance), which is what expected improvement needs.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["RandomForest"]


class _Tree:
    """One regression tree as flat arrays (node 0 is the root; ``feature`` -1 marks a leaf)."""

    def __init__(self) -> None:
        self.feature: list[int] = []
        self.threshold: list[float] = []
        self.is_cat: list[bool] = []
        self.left: list[int] = []
        self.right: list[int] = []
        self.mean: list[float] = []
        self.var: list[float] = []

    def add(self, y: np.ndarray) -> int:
        self.feature.append(-1)
        self.threshold.append(0.0)
        self.is_cat.append(False)
        self.left.append(-1)
        self.right.append(-1)
        self.mean.append(float(y.mean()))
        self.var.append(float(y.var()))
        return len(self.feature) - 1

    def freeze(self) -> None:
        self.f = np.array(self.feature, dtype=int)
        self.t = np.array(self.threshold, dtype=float)
        self.c = np.array(self.is_cat, dtype=bool)
        self.lc = np.array(self.left, dtype=int)
        self.rc = np.array(self.right, dtype=int)
        self.m = np.array(self.mean, dtype=float)
        self.v = np.array(self.var, dtype=float)

    def leaves(self, X: np.ndarray) -> np.ndarray:
        node = np.zeros(len(X), dtype=int)
        rows = np.arange(len(X))
        while True:
            inner = self.f[node] >= 0
            if not inner.any():
                return node
            r, n = rows[inner], node[inner]
            x = X[r, self.f[n]]
            go_left = np.where(self.c[n], x == self.t[n], x <= self.t[n])
            node[r] = np.where(go_left, self.lc[n], self.rc[n])


class RandomForest:
    """Bootstrap regression trees; see the module docstring.

    Args:
        cat: which columns are categorical (their values are compared for equality).
        rng: the generator for bootstraps and feature subsets (so a fit is reproducible).
    """

    def __init__(
        self,
        cat: np.ndarray,
        rng: np.random.Generator,
        n_trees: int = 10,
        min_split: int = 3,
        min_leaf: int = 3,
        max_features: float = 5 / 6,
    ) -> None:
        self.cat, self.rng = np.asarray(cat, dtype=bool), rng
        self.n_trees, self.min_split, self.min_leaf = n_trees, min_split, min_leaf
        self.max_features = max_features
        self.trees: list[_Tree] = []

    def fit(self, X: np.ndarray, y: np.ndarray) -> RandomForest:
        n, d = X.shape
        self.k = max(1, math.ceil(self.max_features * d))
        self.trees = []
        for _ in range(self.n_trees):
            idx = self.rng.integers(0, n, n)
            tree = _Tree()
            self._grow(tree, X[idx], y[idx])
            tree.freeze()
            self.trees.append(tree)
        return self

    def _grow(self, tree: _Tree, X: np.ndarray, y: np.ndarray) -> int:
        node = tree.add(y)
        if len(y) < self.min_split or np.ptp(y) <= 1e-12:
            return node
        split = self._best_split(X, y)
        if split is None:
            return node
        feature, threshold, is_cat = split
        col = X[:, feature]
        left = col == threshold if is_cat else col <= threshold
        if left.all() or not left.any():
            return node  # a cut that separates nothing (e.g. values equal up to rounding) would never end
        tree.feature[node], tree.threshold[node], tree.is_cat[node] = feature, threshold, is_cat
        tree.left[node] = self._grow(tree, X[left], y[left])
        tree.right[node] = self._grow(tree, X[~left], y[~left])
        return node

    def _best_split(self, X: np.ndarray, y: np.ndarray) -> tuple[int, float, bool] | None:
        n = len(y)
        total = y.sum()
        base = total * total / n
        best, best_gain = None, 1e-12
        features = self.rng.choice(X.shape[1], size=min(self.k, X.shape[1]), replace=False)
        num = features[~self.cat[features]]
        if len(num):
            # every numeric feature at once: sort, prefix sums, the gain of each cut between distinct values
            cols = X[:, num]
            order = np.argsort(cols, axis=0, kind="stable")
            xs = np.take_along_axis(cols, order, axis=0)
            sl = np.cumsum(y[order], axis=0)[:-1]
            nl = np.arange(1, n)[:, None]
            ok = (xs[1:] > xs[:-1]) & (nl >= self.min_leaf) & (n - nl >= self.min_leaf)
            gain = np.where(ok, sl * sl / nl + (total - sl) ** 2 / np.maximum(n - nl, 1) - base, -np.inf)
            i, f = np.unravel_index(int(np.argmax(gain)), gain.shape)
            if gain[i, f] > best_gain:
                cut = 0.5 * (xs[i, f] + xs[i + 1, f])
                best, best_gain = (int(num[f]), float(cut), False), float(gain[i, f])
        for f in features[self.cat[features]]:
            col = X[:, f]
            values = np.unique(col)
            if len(values) < 2:
                continue
            left = col[:, None] == values[None, :]
            nl = left.sum(axis=0)
            sl = y @ left
            ok = (nl >= self.min_leaf) & (n - nl >= self.min_leaf)
            gain = np.where(
                ok, sl * sl / np.maximum(nl, 1) + (total - sl) ** 2 / np.maximum(n - nl, 1) - base, -np.inf
            )
            c = int(np.argmax(gain))
            if gain[c] > best_gain:
                best, best_gain = (int(f), float(values[c]), True), float(gain[c])
        return best

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation at the rows of ``X``."""
        means = np.empty((len(self.trees), len(X)))
        within = np.empty_like(means)
        for i, tree in enumerate(self.trees):
            leaf = tree.leaves(X)
            means[i], within[i] = tree.m[leaf], tree.v[leaf]
        var = means.var(axis=0) + within.mean(axis=0)
        return means.mean(axis=0), np.sqrt(np.maximum(var, 1e-12))
