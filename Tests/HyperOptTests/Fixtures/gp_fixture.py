"""Writes gp_posterior.json: a Matern-5/2 ARD Gaussian process (categorical inputs by Hamming
distance) computed with numpy's own linear algebra, for GaussianProcessTests. Run once:
    .venv/bin/python Tests/HyperOptTests/Fixtures/gp_fixture.py > Tests/HyperOptTests/Fixtures/gp_posterior.json"""
import json

import numpy as np

x = np.array([[0.1, 0.20, 0], [0.4, 0.90, 1], [0.7, 0.50, 2], [0.9, 0.10, 0], [0.3, 0.60, 2], [0.55, 0.35, 1]])
y = np.array([0.3, -1.2, 0.8, 1.5, -0.4, 0.1])
categorical = [False, False, True]
eta = np.array([2.0, 0.5, 1.5])
scale, noise = 1.3, 0.01
tests = np.array([[0.2, 0.3, 0], [0.8, 0.8, 1], [0.5, 0.5, 2], [0.05, 0.95, 1]])


def kernel(a, b):
    d = np.where(categorical, (a != b).astype(float), (a - b) ** 2)
    r2 = float(np.sum(eta * d))
    r = np.sqrt(r2)
    return scale * (1 + np.sqrt(5) * r + 5 / 3 * r2) * np.exp(-np.sqrt(5) * r)


K = np.array([[kernel(a, b) for b in x] for a in x]) + noise * np.eye(len(x))
Kinv = np.linalg.inv(K)
alpha = np.linalg.solve(K, y)
sign, logdet = np.linalg.slogdet(K)
lml = -0.5 * y @ alpha - 0.5 * logdet - 0.5 * len(x) * np.log(2 * np.pi)
out = {"x": x.tolist(), "y": y.tolist(), "categorical": categorical, "eta": eta.tolist(), "scale": scale, "noise": noise,
       "tests": tests.tolist(), "log_marginal_likelihood": float(lml), "means": [], "variances": []}
for t in tests:
    ks = np.array([kernel(t, b) for b in x])
    out["means"].append(float(ks @ alpha))
    out["variances"].append(float(scale - ks @ Kinv @ ks))
print(json.dumps(out, indent=1))
