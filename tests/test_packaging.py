"""What `pip install` gets: the prebuilt lab extension inside the wheel (no node needed),
enabled and OK in `jupyter labextension list`, and the widgets' built ES modules."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARE = "jupyter_cvstudio-0.1.0.data/data/share/jupyter/labextensions/jupyter-cvstudio/"


def test_the_wheel_ships_the_prebuilt_lab_extension(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    package = json.loads(zipfile.ZipFile(wheel).read(SHARE + "package.json"))
    assert package["name"] == "jupyter-cvstudio"
    assert SHARE + package["jupyterlab"]["_build"]["load"].removeprefix("./") in names
    assert SHARE + "install.json" in names
    assert SHARE + "schemas/jupyter-cvstudio/plugin.json" in names
    assert "jupyter_cvstudio-0.1.0.data/data/etc/jupyter/jupyter_server_config.d/cvstudio_ext.json" in names
    for widget in ("curves", "preview", "graph", "system"):
        assert f"cvstudio_widgets/widgets/static/{widget}.js" in names
    assert not [n for n in names if "node_modules" in n or n.startswith("cvstudio_ext/labextension/")]


def test_jupyterlab_lists_the_extension_enabled_and_ok():
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True, timeout=120
    )
    line = next(line for line in (out.stdout + out.stderr).splitlines() if "jupyter-cvstudio" in line)
    assert "enabled" in line and "OK" in line, line


def test_the_built_widget_modules_import_nothing():
    """anywidget loads each `_esm` from a blob URL, where no relative import resolves."""
    for widget in (ROOT / "cvstudio_widgets" / "widgets" / "static").glob("*.js"):
        text = widget.read_text()
        assert "\nimport " not in text and not text.startswith("import "), widget.name
        assert "export" in text, widget.name


def _traits(classes) -> dict[str, set[str]]:
    return {cls.__name__: set(cls.class_trait_names(config=True)) for cls in classes}


def test_the_hub_config_loads_and_sets_only_real_settings(monkeypatch):
    """deploy/hub/jupyterhub_config.py as JupyterHub loads it: every setting a trait of the
    hub's classes, every `--Class.trait=` of the servers' args one of Jupyter Server's,
    every CVSTUDIO_<NAME> a trait of CVStudio."""
    from jupyter_server.serverapp import ServerApp
    from jupyterhub.app import JupyterHub

    from cvstudio_ext.app import CVStudio

    path = ROOT / "deploy" / "hub" / "jupyterhub_config.py"
    monkeypatch.delenv("CVSTUDIO_DB_URL", raising=False)
    with pytest.raises(SystemExit, match="CVSTUDIO_DB_URL"):  # never a silent SQLite per user
        JupyterHub().load_config_file(str(path))
    db_url = "postgresql+psycopg://cvstudio:secret@127.0.0.1:5432/cvstudio"
    monkeypatch.setenv("CVSTUDIO_DB_URL", db_url)
    hub = JupyterHub()
    hub.load_config_file(str(path))
    traits = _traits(hub._classes_inc_parents())
    for section, values in hub.config.items():
        assert not set(values) - traits.get(section, set()), (section, set(values) - traits.get(section, set()))
    server = _traits(ServerApp()._classes_inc_parents())
    for arg in hub.config.Spawner.args:
        section, name = arg.removeprefix("--").split("=")[0].split(".")
        assert name in server.get(section, set()), arg
    env = hub.config.Spawner.environment
    assert env["CVSTUDIO_DB_URL"] == db_url
    names = {key.removeprefix("CVSTUDIO_").lower() for key in env if key.startswith("CVSTUDIO_")}
    assert names >= {"db_url", "data_dir", "max_concurrent_runs"}
    assert names <= set(CVStudio.class_trait_names(config=True)), names
