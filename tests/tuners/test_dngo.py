"""DNGO's parts: the network learns its data, and the Bayesian regression on top is calibrated."""

from __future__ import annotations

import numpy as np

from nniannot.runner.tuners.dngo import BayesianLinearRegression, FeatureNet


def test_network_training_fits_the_observations():
    rng = np.random.default_rng(0)
    X = rng.random((30, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    y = (y - y.mean()) / y.std()
    net = FeatureNet(3, rng)
    before = np.mean((net.features(X) @ np.zeros(50) - y) ** 2)
    net.train(X, y, 300)
    Phi = np.hstack([net.features(X), np.ones((30, 1))])
    mean, _ = BayesianLinearRegression(Phi, y).predict(Phi)
    assert np.mean((mean - y) ** 2) < 0.05 * before


def test_regression_recovers_a_line_and_its_noise():
    rng = np.random.default_rng(1)
    x = rng.random(200)
    y = 2.0 * x - 1.0 + rng.normal(scale=0.1, size=200)
    blr = BayesianLinearRegression(np.column_stack([x, np.ones(200)]), y)
    assert np.allclose(blr.mean, [2.0, -1.0], atol=0.1)
    _, std = blr.predict(np.array([[0.5, 1.0], [5.0, 1.0]]))
    assert 0.08 < std[0] < 0.13 and std[1] > std[0]  # the noise, and more far outside the data
