"""The Binder kit as mybinder uses it: a fresh virtual environment (not the development
one, no system site-packages) gets binder/requirements.txt, then binder/postBuild runs;
JupyterLab started through binder/start serves both extensions from it, and every tour
notebook runs top to bottom on a kernel of that environment.

The torch wheel comes from pip's find-links or cache, so most of the set-up is unpacking.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager

from cvstudio_widgets.private import free_port

from .tours import TOURS, run_tour

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
SET_UP_TIMEOUT_S = 1200  # a fresh environment with torch's CUDA wheels: 2 to 3 minutes here
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Binder:
    """The fresh environment and the variables its programs run with."""

    def __init__(self, home: Path):
        self.home = home
        self.venv = home / "venv"
        self.python = self.venv / "bin" / "python"
        dev_bin = str(Path(sys.prefix) / "bin")
        path = [p for p in os.environ["PATH"].split(os.pathsep) if p != dev_bin]
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "CVSTUDIO_", "NO_ALBUMENTATIONS_"))
        }
        self.env.update(
            PATH=os.pathsep.join([str(self.venv / "bin"), *path]),
            JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_DATA_DIR=str(home / "data"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        )

    def run(self, *args: str | os.PathLike[str], cwd: Path | None = None, timeout: float = 120) -> str:
        out = subprocess.run(
            [str(a) for a in args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert out.returncode == 0, f"{args} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
        return ANSI.sub("", out.stdout + out.stderr)

    def kernel_manager(self) -> AsyncKernelManager:
        """A kernel of the fresh environment's Python (nbclient would start this process's)."""
        spec = self.home / "kernels" / "python3" / "kernel.json"
        spec.parent.mkdir(parents=True, exist_ok=True)
        argv = [str(self.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec.write_text(json.dumps({"argv": argv, "display_name": "Python 3 (binder)", "language": "python"}))
        specs = KernelSpecManager(kernel_dirs=[str(spec.parent.parent)])
        return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    b = Binder(tmp_path_factory.mktemp("binder"))
    subprocess.run([sys.executable, "-m", "venv", str(b.venv)], check=True, timeout=120)
    # --no-compile: the .pyc of torch's thousands of modules, a third of the install's time
    requirements = ["-m", "pip", "install", "-q", "--no-compile", "-r", BINDER / "requirements.txt"]
    b.run(b.python, *requirements, timeout=SET_UP_TIMEOUT_S)
    # repo2docker runs it from the repository's root; `pip install .` writes nothing there
    b.run(BINDER / "postBuild", cwd=ROOT, timeout=SET_UP_TIMEOUT_S)
    yield b
    shutil.rmtree(b.venv, ignore_errors=True)  # 6 GB, and pytest keeps the last three runs' folders


@pytest.fixture(scope="module")
def lab(binder):
    """`jupyter lab` as mybinder starts it: through binder/start, in the fresh environment."""
    port, token = free_port(), secrets.token_hex(16)
    root, log = binder.home / "root", binder.home / "lab.log"
    root.mkdir()
    args = [
        BINDER / "start", binder.venv / "bin" / "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--CVStudio.data_dir={binder.home / 'cvstudio'}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        args.append("--allow-root")
    with open(log, "wb") as out:
        # started outside this repository, so that no process of it imports the source tree
        proc = subprocess.Popen([str(a) for a in args], cwd=root, env=binder.env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            get(url + "cvstudio/api/health", token)
            break
        except (OSError, urllib.error.URLError):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.3)
    yield url, token, proc, root
    proc.terminate()
    proc.wait(30)


def get(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


@pytest.mark.timeout(SET_UP_TIMEOUT_S + 120)
def test_postbuild_installs_and_enables_both_extensions(binder):
    labext = binder.run(binder.venv / "bin" / "jupyter", "labextension", "list").splitlines()
    line = next(i for i, text in enumerate(labext) if "jupyter-cvstudio" in text)
    assert "enabled" in labext[line] and "OK" in labext[line], labext[line]
    assert labext[max(i for i in range(line) if not labext[i].startswith(" "))] == str(
        binder.venv / "share" / "jupyter" / "labextensions"
    )
    server = binder.run(binder.venv / "bin" / "jupyter", "server", "extension", "list")
    section = server.split(f"Config dir: {binder.venv / 'etc' / 'jupyter'}\n")[1].split("Config dir:")[0]
    assert "cvstudio_ext enabled" in section and "cvstudio_ext 0.1.0 OK" in section, server
    # the installed package, not this repository's source (`python -c` imports from its cwd)
    code = "import cvstudio_widgets; print(cvstudio_widgets.__file__)"
    where = binder.run(binder.python, "-c", code, cwd=binder.home)
    assert where.strip().startswith(str(binder.venv / "lib")), where


@pytest.mark.timeout(SET_UP_TIMEOUT_S + 120)
def test_lab_through_binder_start_serves_the_extension_and_its_settings(lab):
    url, token, proc, _ = lab
    page = get(url + "lab", token).decode()
    config = json.loads(
        re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)[1]
    )
    (ext,) = [e for e in config["federated_extensions"] if e["name"] == "jupyter-cvstudio"]
    assert get(f"{url}lab/extensions/jupyter-cvstudio/{ext['load']}", token)
    settings = json.loads(get(url + "lab/api/settings/@jupyterlab/apputils-extension:kernels-settings", token))
    # binder/postBuild's lab_settings: JupyterLab's own default is perCommTarget
    assert settings["schema"]["properties"]["commsOverSubshells"]["default"] == "disabled"
    environ = Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
    assert b"NO_ALBUMENTATIONS_UPDATE=1" in environ  # binder/start's, absent from the test's variables


@pytest.mark.timeout(SET_UP_TIMEOUT_S + 900)
@pytest.mark.parametrize("path", TOURS, ids=lambda p: p.stem)
def test_tour_runs_on_binder(path, binder, lab):
    url, token, _, root = lab
    env = {**binder.env, "NO_ALBUMENTATIONS_UPDATE": "1"}  # what the server's kernels get from binder/start
    run_tour(path, root / path.stem, url, token, env=env, km=binder.kernel_manager())
