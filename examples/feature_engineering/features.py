"""Tune feature engineering for a linear model (numpy only): which feature groups to use, how to
transform the skewed columns, the polynomial degree, and the ridge penalty. The data is made here: a
price that depends on size (log-normal, heavily skewed), age, rooms and the month (seasonal), plus
columns of pure noise that only hurt.

    python features.py                        # the defaults below
    nni-annot run --config config.yml         # the search (see README.md)
"""

import argparse
import itertools

import numpy as np

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--rows", type=int, default=4000)
args = parser.parse_args()

"""@nni.variable(nni.choice(True, False), name=use_season)"""
use_season = False
"""@nni.variable(nni.choice(True, False), name=use_noise_columns)"""
use_noise_columns = True
"""@nni.variable(nni.randint(1, 4), name=degree)"""
degree = 1
"""@nni.variable(nni.loguniform(1e-6, 10.0), name=alpha)"""
alpha = 1.0


def identity(x):
    return x


def log1p(x):
    return np.log1p(x)


def sqrt(x):
    return np.sqrt(x)


def make_data(n, seed):
    rng = np.random.default_rng(seed)
    size = rng.lognormal(4, 0.8, n)
    age = rng.uniform(0, 60, n)
    rooms = rng.integers(1, 7, n).astype(float)
    month = rng.integers(0, 12, n)
    price = 30 * np.log1p(size) - 0.02 * (age - 30) ** 2 + 4 * rooms + 8 * np.sin(2 * np.pi * month / 12)
    noise = rng.normal(0, 1, (n, 6))
    return {"size": size, "age": age, "rooms": rooms, "month": month, "noise": noise}, price + rng.normal(
        0, 3, n
    )


def design(data):
    """The feature matrix the tuned choices describe."""
    """@nni.function_choice(identity(data["size"]), log1p(data["size"]), sqrt(data["size"]), name=size_transform)"""
    size = identity(data["size"])
    base = np.column_stack([size, data["age"], data["rooms"]])
    base = (base - base.mean(0)) / base.std(0)
    columns = [base[:, i] for i in range(base.shape[1])]
    # Polynomial terms of the base columns up to `degree` (products included).
    for d in range(2, degree + 1):
        columns += [
            np.prod(combo, axis=0) for combo in itertools.combinations_with_replacement(columns[:3], d)
        ]
    if use_season:
        angle = 2 * np.pi * data["month"] / 12
        columns += [np.sin(angle), np.cos(angle)]
    if use_noise_columns:
        columns += list(data["noise"].T)
    return np.column_stack([np.ones(len(size)), *columns])


def r2(y, predicted):
    return 1 - ((y - predicted) ** 2).sum() / ((y - y.mean()) ** 2).sum()


data, price = make_data(args.rows, seed=0)
x = design(data)
half = len(price) // 2
train, val = slice(0, half), slice(half, None)
weights = np.linalg.solve(x[train].T @ x[train] + alpha * np.eye(x.shape[1]), x[train].T @ price[train])
score = r2(price[val], x[val] @ weights)
"""@nni.report_final_result({"default": score, "features": x.shape[1]})"""
print(f"season={use_season} noise={use_noise_columns} degree={degree} alpha={alpha:.3g}: "
      f"validation R² {score:.4f} with {x.shape[1]} features")  # fmt: skip
