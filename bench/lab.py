"""The JupyterLab sidebar in headless Chromium: its first render with 1,000 datasets,
1,000 runs and 1,000 weights; a run tab's update at 100,000 points per series; and the
size of our bundle.

Baselines, measured in the same run: JupyterLab's own start on the same page (navigation
to the sidebar being attached); every point drawn on the same canvas without
downsampling; the widget manager's bundle (@jupyter-widgets/jupyterlab-manager), a
comparable lab extension, excluding shared packages the same way.

The rows are written straight into the store (an index of 1,000 real datasets would
measure indexing, not the sidebar), as the API would have written them.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

N = 1000
HERE = Path(__file__).resolve().parent
BUNDLE = HERE.parent / "cvstudio_ext" / "labextension" / "static"


def seed(data_dir: Path, owner: str, n: int = N) -> int:
    """n datasets, runs and weights of `owner`; returns the id of a run for the run tab."""
    from cvstudio_ext.store.db import Store
    from cvstudio_ext.store.models import Dataset, Run, Weight

    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{data_dir / 'cvstudio.db'}")
    store.migrate()
    tasks = ("classification", "detection")
    archs = ("resnet18", "resnet50", "mobilenet_v3_small", "efficientnet_b0", "fasterrcnn_resnet50_fpn")
    with store.session.begin() as s:
        for i in range(n):
            task = tasks[i % 2]
            s.add(Dataset(owner=owner, name=f"dataset-{i:04d}", format="yolo" if i % 2 else "folders", task=task,
                          path=str(data_dir / "none"), status="ready", progress=1.0, classes=["a", "b"],
                          num_images=100 + i, num_annotations=300 + i, splits={"train": 80, "val": 20}))  # fmt: skip
            s.add(Run(owner=owner, name=f"run-{i:04d}", task=task, dataset_id=i + 1,
                      model={"source": "torchvision", "name": "resnet18"}, status=("completed", "failed", "stopped")[i % 3],
                      epoch=10, epochs=10, step=1000, best={"metric": "val_accuracy", "value": 0.5 + i / (4 * n), "epoch": 9}))  # fmt: skip
            s.add(Weight(owner=owner, name=f"model-{i // 10:03d}", version=i % 10 + 1, task=task,
                         architecture=archs[i % len(archs)], num_classes=2, classes=["a", "b"], input_size=[3, 224, 224],
                         format="safetensors", file=str(data_dir / "none"), file_size=45_000_000 + i, sha256="0" * 64,
                         metrics={"val_accuracy": 0.5 + i / (4 * n)}, tags=["bench"] if i % 7 == 0 else []))  # fmt: skip
    with store.session() as s:
        from sqlalchemy import select

        run_id = s.scalars(select(Run.id).order_by(Run.id.desc()).limit(1)).one()
    store.close()
    return run_id


# Stamps in the page: when the sidebar is attached, when every list has all its rows.
WATCH = """
(() => {
  const marks = (window.__cvsMarks = {});
  const seen = () => {
    if (!marks.sidebar && document.getElementById("cvstudio-sidebar")) marks.sidebar = performance.now();
    if (marks.sidebar && !marks.rows) {
      const count = (k) => document.querySelectorAll(`#cvstudio-sidebar [data-cvstudio-kind="${k}"]`).length;
      if (count("dataset") >= %(n)d && count("run") >= %(n)d && count("weight") >= %(n)d) marks.rows = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
})();
"""


def _sidebar_render(browser, url: str, n: int) -> tuple[float, float, float]:
    """(ms from the sidebar attached to all rows shown, ms from navigation to the sidebar
    attached, ms for a row click to open its tab)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.add_init_script(WATCH % {"n": n})
    page.goto(url)
    page.wait_for_function("window.__cvsMarks && window.__cvsMarks.rows", timeout=120_000)
    marks = page.evaluate("window.__cvsMarks")
    page.click("li[data-id='cvstudio-sidebar']")
    row = page.locator('#cvstudio-sidebar [data-cvstudio-kind="dataset"]').first
    t0 = time.perf_counter()
    row.click()
    page.wait_for_selector("[id^='cvstudio-dataset-']")
    click_ms = 1000 * (time.perf_counter() - t0)
    page.close()
    return marks["rows"] - marks["sidebar"], marks["sidebar"], click_ms


def _run_tab_update(browser, url: str, run_id: int, points: int) -> tuple[float, float]:
    """(median ms of a run tab update at `points` per series, median ms of drawing every
    point of the same series on the same canvas)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_selector("li[data-id='cvstudio-sidebar']")
    page.evaluate(f"window.jupyterapp.commands.execute('cvstudio:open-run', {{id: {run_id}}})")
    page.wait_for_selector(f"#cvstudio-run-{run_id}[data-status]", state="attached", timeout=60_000)
    result = page.evaluate(RUN_TAB % {"run": run_id, "points": points})
    page.close()
    return result["update"], result["baseline"]


RUN_TAB = """
(async () => {
  const tab = [...window.jupyterapp.shell.widgets("main")].find((w) => w.id === "cvstudio-run-%(run)d").content;
  const n = %(points)d;
  let seq = 1e9;
  const event = (step) => ({ seq: seq++, type: "metric", time: null, data: {
    epoch: Math.floor(step / 1000), step, train_loss: 2 / Math.sqrt(step) + 0.05 * Math.random(),
    lr: 0.01 * (1 + Math.cos(Math.PI * step / n)) / 2, val_loss: 1 / Math.sqrt(step), val_accuracy: 1 - 1 / Math.sqrt(step) } });
  for (let step = 1; step <= n; step++) tab.feed(event(step));
  tab.redraw();
  const updates = [];
  for (let k = 1; k <= 15; k++) {
    const t0 = performance.now();
    tab.feed(event(n + k));
    tab.redraw();
    updates.push(performance.now() - t0);
  }
  // the baseline: every point of the four series as a line on a canvas of the same size
  const canvas = document.querySelector("#cvstudio-run-%(run)d canvas");
  const ctx = canvas.getContext("2d");
  const full = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    for (const f of [(s) => 2 / Math.sqrt(s), (s) => Math.cos(s / n), (s) => 1 / Math.sqrt(s), (s) => 1 - 1 / Math.sqrt(s)]) {
      ctx.beginPath();
      for (let s = 1; s <= n; s++) ctx.lineTo((s / n) * canvas.width, f(s) * canvas.height);
      ctx.stroke();
    }
    full.push(performance.now() - t0);
  }
  const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return { update: median(updates), baseline: median(full) };
})()
"""


def _bundle_kib() -> tuple[float, float]:
    """(our bundle, the widget manager's) in KiB: every JS file the lab loads for it."""
    ours = sum(p.stat().st_size for p in BUNDLE.glob("*.js"))
    manager = (
        Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager" / "static"
    )
    theirs = sum(p.stat().st_size for p in manager.glob("*.js"))
    return ours / 1024, theirs / 1024


def bench_lab(work: Path, n: int = N, points: int = 100_000) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from cvstudio_ext.handlers.base import LOCAL_OWNER
    from cvstudio_widgets.private import start_private_server

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    base = work / f"lab-{time.time_ns()}"
    (base / "root").mkdir(parents=True)
    run_id = seed(base / "data", LOCAL_OWNER, n)
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    server = start_private_server(base / "root", data_dir=base / "data",
                                  extra_args=[f"--LabApp.user_settings_dir={base / 'settings'}",
                                              f"--LabApp.workspaces_dir={base / 'ws'}",
                                              "--LabApp.expose_app_in_browser=True"])  # fmt: skip
    url = f"{server.url}lab?reset&token={server.token}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu",
                                        "--disable-background-networking"])  # fmt: skip
            _sidebar_render(browser, url, n)  # warm: the server's caches, Chromium's code cache
            renders = [_sidebar_render(browser, url, n) for _ in range(3)]
            update_ms, full_ms = _run_tab_update(browser, url, run_id, points)
            browser.close()
    finally:
        server.stop()
    render_ms = statistics.median(r[0] for r in renders)
    start_ms = statistics.median(r[1] for r in renders)
    click_ms = statistics.median(r[2] for r in renders)
    ours, theirs = _bundle_kib()
    return [
        {
            "name": f"lab: sidebar first render, {n:,} datasets + {n:,} runs + {n:,} weights",
            "value": render_ms, "unit": "ms",
            "baseline": start_ms, "baseline_name": "JupyterLab's start to the sidebar attached",
            "ratio": render_ms / start_ms, "target": "< 1000 ms", "ok": render_ms < 1000,
            "extra": {"row_click_to_tab_ms": click_ms},
        },
        {
            "name": f"lab: run tab update at {points:,} points per series (4 series)",
            "value": update_ms, "unit": "ms",
            "baseline": full_ms, "baseline_name": "every point drawn",
            "ratio": update_ms / full_ms, "target": "< 50 ms", "ok": update_ms < 50,
        },
        {
            "name": "lab: our bundle, minified JS (shared JupyterLab packages excluded)",
            "value": ours, "unit": "KiB",
            "baseline": theirs, "baseline_name": "@jupyter-widgets/jupyterlab-manager's",
            "ratio": ours / theirs, "target": "< 300 KB", "ok": ours * 1024 < 300_000,
        },
    ]  # fmt: skip
