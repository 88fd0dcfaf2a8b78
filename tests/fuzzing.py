"""Schemathesis against a live server, as a hostile client would try it.

A real `jupyter server` with the extension is seeded with one of everything (a dataset,
a model, a weight, a finished run, a batch job) so that ids resolve and the stateful
phase reaches the deep routes; then `st run` generates requests from the served
`openapi.json`. `make test` runs a short, fixed-seed round (tests/server/test_fuzz.py);
`make fuzz` runs `python -m tests.fuzzing` for longer (FUZZ_SECONDS, FUZZ_SEED).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cvstudio_widgets import Client
from cvstudio_widgets.private import PrivateServer, start_private_server

from .datagen import class_folders, yolo_with_every_defect
from .server.test_training import SMALL

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "ignored_auth",
    "use_after_free",
    "negative_data_rejection",
)
# Ids inside JSON bodies, by field path, and the seeded ids they take.
BODY_IDS = {
    "dataset_id": "dataset_id",
    "image_id": "image_id",
    "weight_id": "weight_id",
    "run_id": "run_id",
    "pretrained_weight_id": "weight_id",
    "model.model_id": "model_id",
    "dataset_image.dataset_id": "dataset_id",
    "dataset_image.image_id": "image_id",
}
# The upload limit of the fuzzed server: small, so that generated bodies can cross it.
UPLOAD_LIMIT = 4 << 20


@dataclass
class Seeded:
    server: PrivateServer
    client: Client
    ids: dict[str, list[int]]


def _wait(client: Client, path: str, done: tuple[str, ...], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        item = client.get(path)
        if item["status"] in done:
            return item
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} still {item['status']}")
        time.sleep(0.2)


def start_seeded(work: Path) -> Seeded:
    """A server on `work` with one of everything, and the ids that resolve."""
    root, data = work / "root", work / "data"
    yolo_with_every_defect(root / "yolo")
    class_folders(root / "digits", classes=("a", "b"), per_class=6)
    server = start_private_server(
        root,
        data_dir=data,
        extra_args=[f"--CVStudio.max_upload_size={UPLOAD_LIMIT}"],
        env={"CVSTUDIO_TRAINING_STEP_DELAY": "0"},
    )
    client = Client(server.url, server.token, timeout=60)
    yolo = client.post("datasets", {"name": "yolo", "path": "yolo"})
    digits = client.post("datasets", {"name": "digits", "path": "digits"})
    for ds in (yolo, digits):
        _wait(client, f"datasets/{ds['id']}", ("ready", "error"))
    model = client.post("models", {"name": "small", "graph": SMALL})
    run = client.post(
        "training",
        {
            "name": "seed-run",
            "dataset_id": digits["id"],
            "model": {"source": "graph", "model_id": model["id"]},
            "hyperparameters": {"epochs": 1, "batch_size": 4, "image_size": 16},
            "resources": {"device": "cpu"},
        },
    )
    _wait(client, f"training/{run['id']}", ("completed", "failed"), timeout=180)
    weights = client.get("weights")["items"]
    job = client.post("inference/batch", {"weight_id": weights[0]["id"], "dataset_id": digits["id"]})
    images = client.get(f"datasets/{digits['id']}/images", limit=3)["items"]
    ids = {
        "dataset_id": [yolo["id"], digits["id"]],
        "image_id": [img["id"] for img in images],
        "model_id": [model["id"]],
        "run_id": [run["id"]],
        "weight_id": [w["id"] for w in weights],
        "job_id": [job["job_id"]],
        "version": [1],
    }
    return Seeded(server, client, ids)


def write_config(path: Path, seeded: Seeded, seed: int) -> Path:
    """schemathesis.toml: the token, and the seeded ids offered for most path parameters."""
    lines = [
        f"seed = {seed}",
        f'headers = {{ Authorization = "token {seeded.server.token}" }}',
        "[dictionaries]",
        *(f"{name} = {{ values = {json.dumps(values)} }}" for name, values in seeded.ids.items()),
        "[parameters]",
        *(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.9 }}' for name in seeded.ids),
        *(f'"body.{field}" = {{ dictionary = "{name}", probability = 0.8 }}' for field, name in BODY_IDS.items()),
        "[phases.stateful]",
        'inference.algorithms = ["location-headers", "dependency-analysis"]',
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_schemathesis(seeded: Seeded, work: Path, *, seed: int, max_examples: int, max_time: int) -> dict:
    """Run `st run` and return its JSON report; the exit code is in `returncode`."""
    config = write_config(work / "schemathesis.toml", seeded, seed)
    report = work / "schemathesis-report.json"
    args = [
        str(Path(sys.executable).with_name("st")),
        "--config-file", str(config),
        "run", f"{seeded.server.url}cvstudio/api/openapi.json",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(max_examples),
        "--max-time", str(max_time),
        # one worker: with two, hypothesis in both threads describes strategies' lambdas
        # by ast.parse at once, and CPython 3.11's parser then fails in the fuzzer's own
        # process ("SystemError: AST constructor recursion depth mismatch"), an error
        # that is not the server's (CI of 2026-12-03, twice)
        "--workers", "1",
        "--request-timeout", "60",
        "--report", "json",
        "--report-json-path", str(report),
        "--phases", "examples,coverage,fuzzing,stateful",
    ]  # fmt: skip
    proc = subprocess.run(args, capture_output=True, text=True, cwd=work, timeout=max_time + 300)
    out = json.loads(report.read_text()) if report.exists() else {}
    out["returncode"], out["stdout"] = proc.returncode, proc.stdout + proc.stderr
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzzing")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "20261202")))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "900")))
    parser.add_argument("--max-examples", type=int, default=500)
    parser.add_argument("--work", type=Path, default=Path("bench/.work/fuzz"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    seeded = start_seeded(args.work)
    try:
        out = run_schemathesis(seeded, args.work, seed=args.seed, max_examples=args.max_examples, max_time=args.seconds)
    finally:
        seeded.server.stop()
    print(out["stdout"])
    sys.exit(out["returncode"])


if __name__ == "__main__":
    main()
