"""Settings as traits, from config, command line and environment; a light import."""

from __future__ import annotations

import subprocess
import sys

from cvstudio_ext.app import CVStudio


def test_defaults_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("CVSTUDIO_MAX_UPLOAD_SIZE", raising=False)
    assert CVStudio().max_upload_size == 1 << 30
    monkeypatch.setenv("CVSTUDIO_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("CVSTUDIO_MAX_UPLOAD_SIZE", "1234")
    monkeypatch.setenv("CVSTUDIO_DATASET_ROOTS", f"/a{__import__('os').pathsep}/b")
    monkeypatch.setenv("CVSTUDIO_DB_URL", "sqlite:////tmp/x.db")
    app = CVStudio()
    assert app.data_dir == str(tmp_path / "d")
    assert app.max_upload_size == 1234
    assert app.dataset_roots == ["/a", "/b"]
    assert app.db_url == "sqlite:////tmp/x.db"


def test_config_and_command_line_win_over_environment(monkeypatch):
    from traitlets.config import Config

    monkeypatch.setenv("CVSTUDIO_MAX_UPLOAD_SIZE", "1234")
    c = Config()
    c.CVStudio.max_upload_size = 99
    assert CVStudio(config=c).max_upload_size == 99
    app = CVStudio()
    app.parse_command_line(["--CVStudio.max_upload_size=77"])
    assert app.max_upload_size == 77


def test_loading_the_extension_imports_no_heavy_libraries(tmp_path):
    code = f"""
import sys
from pathlib import Path
from cvstudio_ext.handlers import routes
from cvstudio_ext.services.container import Services
routes()
s = Services.create(data_dir=Path({str(tmp_path)!r}), db_url="sqlite:///{tmp_path}/t.db", dataset_roots=[Path("/")], max_upload_size=10)
heavy = [m for m in ("torch", "torchvision", "cv2", "albumentations", "joblib", "PIL", "alembic") if m in sys.modules]
print(heavy)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # alembic is imported only for a database that is not at head yet (a new one here)
    assert [m for m in eval(out) if m != "alembic"] == []


def test_extension_is_enabled_by_install():
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", "server", "extension", "list"], capture_output=True, text=True
    )
    text = out.stdout + out.stderr
    assert "cvstudio_ext" in text and "enabled" in text and "OK" in text
