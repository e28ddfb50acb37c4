"""An NNI trial written against NNI's plain API: `import nni`, parameters from `nni.get_next_parameter()`,
results through `nni.report_*`. It fits the walk-through's functions on [0, 1] with random Fourier features
and ridge regression (numpy only) and reports the max approximation error.

It runs unchanged under NNI (`nnictl create --config config.yml`) and under nni-annot
(`nni-annot run --config config.yml`), which gives it the real `nni` package if installed, else a small shim.
"""

import sys

import nni
import numpy as np

DEFAULTS = {"features": 64, "gamma": 10.0, "alpha": 1e-4, "feature_kind": "fourier"}


def oscillator(x):
    ys = [0.5]
    for _ in range(10):
        ys.append(-(ys[-1] ** 2 - 0.5))
    return np.interp(x, np.linspace(0, 1, 11), ys)


def square(x):
    return x**2


def features(x, count, gamma, kind, rng):
    """Random features of the inputs: cos(w x + b) (Fourier) or tanh(w x + b) (a random one-layer net)."""
    w = rng.normal(0, gamma, count)
    b = rng.uniform(0, 2 * np.pi, count) if kind == "fourier" else rng.normal(0, gamma / 2, count)
    z = np.outer(x, w) + b
    return np.cos(z) if kind == "fourier" else np.tanh(z)


def main():
    function = {"oscillator": oscillator, "square": square}[
        sys.argv[1] if len(sys.argv) > 1 else "oscillator"
    ]
    params = {**DEFAULTS, **(nni.get_next_parameter() or {})}
    x_train, x_test = np.linspace(0, 1, 201), np.linspace(0, 1, 1001)
    error = float("inf")
    # Grow the feature set in steps so that the assessor and the viewer see a learning curve.
    for step in range(1, 5):
        count = max(params["features"] * step // 4, 1)
        rng = np.random.default_rng(0)
        phi = features(x_train, count, params["gamma"], params["feature_kind"], rng)
        ridge = phi.T @ phi + params["alpha"] * np.eye(count)
        weights = np.linalg.solve(ridge, phi.T @ function(x_train))
        rng = np.random.default_rng(0)  # the same features for the test points
        predicted = features(x_test, count, params["gamma"], params["feature_kind"], rng) @ weights
        error = float(np.abs(predicted - function(x_test)).max())
        nni.report_intermediate_result(error)
    nni.report_final_result(error)
    print(f"{params}: max error {error:.4f}")


if __name__ == "__main__":
    main()
