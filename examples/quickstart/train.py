"""Quick start: fit y = 3x - 1 with gradient descent, in pure Python (runs in a second, no torch).

The strings starting with @nni. are annotations. They are inert: `python train.py` runs with the
defaults below. `nni-annot ss_gen train.py` prints the search space they define, and
`nni-annot run train.py` tunes it.
"""

import math
import random

"""@nni.variable(nni.loguniform(1e-4, 0.3), name=lr)"""
lr = 0.01
"""@nni.variable(nni.choice(8, 16, 32, 64), name=batch_size)"""
batch_size = 16
"""@nni.variable(nni.randint(5, 40), name=epochs)"""
epochs = 20
"""@nni.variable(nni.choice("sgd", "momentum"), name=optimizer)"""
optimizer = "sgd"


def make_data(n=256, seed=0):
    rng = random.Random(seed)
    xs = [rng.uniform(-1, 1) for _ in range(n)]
    return [(x, 3 * x - 1 + rng.gauss(0, 0.1)) for x in xs]


def clip(g, limit=10.0):
    return max(-limit, min(limit, g))


def train(data):
    w = b = 0.0
    vw = vb = 0.0
    mse = float("inf")
    for epoch in range(epochs):
        random.Random(epoch).shuffle(data)
        for start in range(0, len(data), batch_size):
            batch = data[start : start + batch_size]
            gw = sum(2 * (w * x + b - y) * x for x, y in batch) / len(batch)
            gb = sum(2 * (w * x + b - y) for x, y in batch) / len(batch)
            if optimizer == "momentum":
                vw, vb = 0.9 * vw + gw, 0.9 * vb + gb
                gw, gb = vw, vb
            w -= lr * clip(gw)
            b -= lr * clip(gb)
        mse = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
        if not math.isfinite(mse):
            mse = 1e9
        score = 1 / (1 + mse)  # noqa: F841 - read by the annotation below; higher is better
        """@nni.report_intermediate_result(score)"""
    return mse


if __name__ == "__main__":
    final_mse = train(make_data())
    score = 1 / (1 + final_mse)
    """@nni.report_final_result({"default": score, "mse": final_mse})"""
    print(f"lr={lr} batch_size={batch_size} epochs={epochs} optimizer={optimizer}: mse={final_mse:.4f}")
