"""A bounded, fixed-seed schemathesis round against a seeded live server: every phase,
the checks of tests/fuzzing.py, and not one failure. `make fuzz` runs the long round."""

from __future__ import annotations

import os

import pytest

from .fuzzing import CHECKS, run_schemathesis, start_seeded

SEED = 20261202
SECONDS = int(os.environ.get("CVSTUDIO_TEST_FUZZ_SECONDS", "150"))


@pytest.mark.timeout(SECONDS + 400)
def test_schemathesis_finds_nothing(tmp_path):
    seeded = start_seeded(tmp_path)
    try:
        out = run_schemathesis(seeded, tmp_path, seed=SEED, max_examples=60, max_time=SECONDS)
        log = seeded.server.log.read_text(errors="replace")
    finally:
        seeded.server.stop()
    assert out.get("complete"), out["stdout"][-3000:]
    assert out["operations"]["tested"] == out["operations"]["total"] >= 50
    assert out["test_cases"]["generated"] > 1000, out["test_cases"]
    assert out["failures"] == [] and out["errors"] == [], out["stdout"][-6000:]
    assert out["returncode"] == 0, out["stdout"][-6000:]
    assert " 500 " not in log and "Traceback" not in log, "the server logged an internal error"
    assert out["phases"]["stateful"]["status"] == "success"
    assert set(CHECKS) <= set(out["command"].split("--checks ")[1].split(" ")[0].split(","))
