"""Writes sobol_points.json: the first 64 unscrambled Sobol' points in 21 dimensions, as
scipy.stats.qmc.Sobol gives them, for SobolTests. Run once:
    .venv/bin/python Tests/HyperOptTests/Fixtures/sobol_fixture.py > Tests/HyperOptTests/Fixtures/sobol_points.json"""
import json

from scipy.stats import qmc

points = qmc.Sobol(d=21, scramble=False).random(64)
print(json.dumps({"points": points.tolist()}))
