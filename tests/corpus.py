"""Where the shared conformance corpus is: $CVSTUDIO_CORPUS, else shared/corpus beside the repository."""

from __future__ import annotations

import json
import os
from pathlib import Path


def corpus_dir() -> Path:
    env = os.environ.get("CVSTUDIO_CORPUS")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    if not (path / "MANIFEST.json").exists():
        raise RuntimeError(f"the conformance corpus is not at {path}; set CVSTUDIO_CORPUS")
    return path


CORPUS = corpus_dir()
SAMPLES = json.loads((CORPUS / "MANIFEST.json").read_text())["samples"]
