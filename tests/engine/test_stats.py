"""Histograms never fail on degenerate data."""

from __future__ import annotations

import numpy as np

from cvstudio_ext.engine.datasets.stats import histogram


def test_histogram_shapes():
    assert histogram(np.array([])) == {"edges": [], "counts": []}
    assert histogram(np.array([3.0, 3.0])) == {"edges": [3.0, 3.0], "counts": [2]}
    near = np.array([0.1 + 0.2, 0.3, 0.30000000000000004])
    assert sum(histogram(near)["counts"]) == 3
    h = histogram(np.arange(100, dtype=float), bins=10)
    assert len(h["edges"]) == 11 and sum(h["counts"]) == 100
    assert sum(histogram(np.array([1.0, np.nan, np.inf, 2.0]))["counts"]) == 2
