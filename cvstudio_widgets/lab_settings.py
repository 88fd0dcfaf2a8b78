"""`python -m cvstudio_widgets.lab_settings <prefix>`: JupyterLab defaults for the
environment `make lab` sets up, written to `<prefix>/share/jupyter/lab/settings/overrides.json`
(the environment's own file; a user's settings still win).

- Widget messages do not go over kernel subshells: with JupyterLab 4.6 and ipykernel 7,
  a reloaded page often keeps a subshell id the kernel no longer knows, and the kernel
  then drops every message from that page's widgets (a button that does nothing).
- No news fetching: hubs and laptops are often offline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OVERRIDES = {
    "@jupyterlab/apputils-extension:kernels-settings": {"commsOverSubshells": "disabled"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}


def write(prefix: Path) -> Path:
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text()) if path.exists() else {}
    for plugin, values in OVERRIDES.items():
        current.setdefault(plugin, {}).update(values)
    path.write_text(json.dumps(current, indent=2) + "\n")
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1] if len(sys.argv) > 1 else sys.prefix)))
