"""PPO over the choices of a space (NNI's ``PPOTuner``), numpy only.

The policy is one vector of logits per categorical decision of the space's encoding (a ``choice``, a
``layer_choice``, an ``input_choice`` as a choice among its subsets, each layer of a ``mutable_layer``);
an architecture is one draw from every decision. Each trial is a one-step episode whose reward is the
result (negated when minimising), so the advantage is the reward less the mean of its batch, scaled by
the batch's spread, and no value function is needed (``vf_coef``, ``gamma`` and ``lam`` are accepted for
NNI's configs and have nothing to act on). After every ``trials_per_update`` results the policy takes
``epochs_per_update`` passes of Adam steps over minibatches of ``minibatch_size`` on PPO's clipped
objective plus ``ent_coef`` times the entropy. Like NNI's, it accepts only spaces of choices.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nniannot.errors import TunerError
from nniannot.runner.tuners.base import Tuner
from nniannot.runner.tuners.encoding import Encoding
from nniannot.searchspace import SearchSpace


class PpoTuner(Tuner):
    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        trials_per_update: int = 20,
        epochs_per_update: int = 4,
        minibatch_size: int = 4,
        ent_coef: float = 0.0,
        lr: float = 3e-4,
        vf_coef: float = 0.5,
        max_grad_norm: float = 0.5,
        gamma: float = 0.99,
        lam: float = 0.95,
        cliprange: float = 0.2,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed)
        self.enc = Encoding(search_space)
        continuous = [d.name for d in self.enc.dims if not d.is_cat]
        if continuous:
            raise TunerError(
                "the PPO tuner accepts only choices (choice, layer_choice, input_choice, mutable_layer), "
                f"as NNI's PPOTuner does; the space has numeric parameter(s): {', '.join(continuous)}"
            )
        for name, value in (
            ("trials_per_update", trials_per_update),
            ("epochs_per_update", epochs_per_update),
        ):
            if not isinstance(value, int) or value < 1:
                raise TunerError(f"PPO tuner: {name} must be a positive integer, got {value!r}")
        if not isinstance(minibatch_size, int) or minibatch_size < 1:
            raise TunerError(f"PPO tuner: minibatch_size must be a positive integer, got {minibatch_size!r}")
        self.trials_per_update = trials_per_update
        self.epochs_per_update = epochs_per_update
        self.minibatch_size = min(minibatch_size, trials_per_update)
        self.ent_coef = float(ent_coef)
        self.lr = float(lr)
        self.max_grad_norm = float(max_grad_norm)
        self.cliprange = float(cliprange)
        self.vf_coef, self.gamma, self.lam = vf_coef, gamma, lam
        self._rng = np.random.default_rng(seed)
        self._logits = [np.zeros(d.size) for d in self.enc.dims]
        self._m = [np.zeros(d.size) for d in self.enc.dims]
        self._v = [np.zeros(d.size) for d in self.enc.dims]
        self._steps = 0
        self._pending: dict[str, tuple[np.ndarray, float]] = {}
        self._batch: list[tuple[np.ndarray, float, float]] = []

    def _probs(self) -> list[np.ndarray]:
        out = []
        for z in self._logits:
            e = np.exp(z - z.max())
            out.append(e / e.sum())
        return out

    def _logp(self, actions: np.ndarray) -> float:
        return float(sum(math.log(p[a]) for p, a in zip(self._probs(), actions.astype(int))))

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        actions = np.array([self._rng.choice(len(p), p=p) for p in self._probs()], dtype=float)
        self._pending[trial_id] = (actions, self._logp(actions))
        return self.enc.decode(actions)

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        if trial_id in self._pending:
            actions, logp = self._pending.pop(trial_id)
        else:  # a result of a configuration this tuner did not propose: learn from it as if it had
            actions = np.nan_to_num(self.enc.encode(params), nan=0.0)
            logp = self._logp(actions)
        loss = self.loss(value)
        self._batch.append((actions, logp, -loss))
        if len(self._batch) >= self.trials_per_update:
            self._update()
            self._batch = []

    def _update(self) -> None:
        rewards = np.array([r for _, _, r in self._batch])
        finite = np.isfinite(rewards)
        if not finite.any():
            return
        # a failed trial counts as the worst result of its batch
        rewards = np.where(finite, rewards, rewards[finite].min())
        adv = (rewards - rewards.mean()) / (rewards.std() + 1e-8)
        n = len(self._batch)
        for _ in range(self.epochs_per_update):
            order = self._rng.permutation(n)
            for start in range(0, n, self.minibatch_size):
                self._step([int(i) for i in order[start : start + self.minibatch_size]], adv)

    def _step(self, rows: list[int], adv: np.ndarray) -> None:
        probs = self._probs()
        grads = [np.zeros_like(z) for z in self._logits]
        for i in rows:
            actions, old_logp, _ = self._batch[i]
            ratio = math.exp(self._logp(actions) - old_logp)
            a = adv[i]
            clipped = (a > 0 and ratio > 1 + self.cliprange) or (a < 0 and ratio < 1 - self.cliprange)
            if clipped:
                continue
            for j, (p, act) in enumerate(zip(probs, actions.astype(int))):
                onehot = np.zeros_like(p)
                onehot[act] = 1.0
                grads[j] += a * ratio * (onehot - p) / len(rows)
        if self.ent_coef:
            for j, p in enumerate(probs):
                logp = np.log(p + 1e-12)
                grads[j] += self.ent_coef * -p * (logp - (p * logp).sum())
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
        if norm > self.max_grad_norm > 0:
            grads = [g * (self.max_grad_norm / norm) for g in grads]
        self._steps += 1
        b1, b2 = 0.9, 0.999
        for j, g in enumerate(grads):  # Adam ascent on the objective
            self._m[j] = b1 * self._m[j] + (1 - b1) * g
            self._v[j] = b2 * self._v[j] + (1 - b2) * g * g
            m_hat = self._m[j] / (1 - b1**self._steps)
            v_hat = self._v[j] / (1 - b2**self._steps)
            self._logits[j] += self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)
