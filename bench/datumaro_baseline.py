"""Datumaro as a baseline of the dataset-ops bench (issue 15), run as a script by
bench/.venv-datumaro's python (`make bench/.venv-datumaro/.installed`), never imported by
the bench: it imports only the standard library and Datumaro.

    python bench/datumaro_baseline.py <COCO root> [<YOLO folder to write>]

prints one JSON line: `load_s` (`Dataset.import_from(root, "coco_instances")` and every
item iterated, which is what loading costs in Datumaro: the import is lazy), `items` and
`annotations` seen; with a folder, `convert_s` (the load, then `.export(folder, "yolo",
save_media=False)`: the whole conversion) and `files` written. Timed inside this fresh
process, after `import datumaro`, as the pycocotools baseline is after its import.

Datumaro warns once per box about a missing `segmentation` field (the bench's COCO boxes
have none); its logging is turned off below ERROR so that a million warning lines are not
counted against it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time


def main() -> None:
    root, out = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
    logging.disable(logging.WARNING)
    import datumaro as dm

    t0 = time.perf_counter()
    dataset = dm.Dataset.import_from(root, "coco_instances")
    items = annotations = 0
    for item in dataset:
        items += 1
        annotations += len(item.annotations)
    result = {"load_s": time.perf_counter() - t0, "items": items, "annotations": annotations}
    if out is not None:
        dataset.export(out, "yolo", save_media=False)
        result["convert_s"] = time.perf_counter() - t0
        result["files"] = sum(len(files) for _, _, files in os.walk(out))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
