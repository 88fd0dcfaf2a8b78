"""JupyterHub for a team on one machine, every user with CV Studio (`jupyterhub -f
deploy/hub/jupyterhub_config.py`, as root: the hub starts each user's server as that
user's Unix account).

One Python environment holds the hub and what every user's server runs:

    python3 -m venv /opt/jupyterhub
    /opt/jupyterhub/bin/pip install jupyterhub jupyterlab jupyter-cvstudio   # or the wheel built from this repository
    /opt/jupyterhub/bin/python -m cvstudio_widgets.lab_settings /opt/jupyterhub
    npm ci --prefix deploy/hub     # the proxy, configurable-http-proxy, pinned in package.json

The team shares one PostgreSQL database and one data directory (datasets uploaded,
thumbnails, runs, weights). Every user's server reads and writes that directory, so it
belongs to a Unix group of the team, and a default ACL keeps what one user's server
creates there writable by the others whatever their umask:

    groupadd cvstudio && usermod -aG cvstudio alice        # every user of the hub
    mkdir -p /srv/cvstudio /srv/datasets /srv/jupyterhub
    chgrp cvstudio /srv/cvstudio /srv/datasets && chmod 2770 /srv/cvstudio /srv/datasets
    setfacl -d -m g:cvstudio:rwX /srv/cvstudio /srv/datasets

The database's URL, with its password, comes from the hub's environment (a systemd unit's
`EnvironmentFile=`, readable by root only), never from this file:

    CVSTUDIO_DB_URL=postgresql+psycopg://cvstudio:<password>@127.0.0.1:5432/cvstudio

Every setting below is a choice to review; the README's "Deploying for a team" says why.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - defined by the config loader

HERE = Path(__file__).resolve().parent
DB_URL = os.environ.get("CVSTUDIO_DB_URL", "")
if not DB_URL.startswith("postgresql"):
    raise SystemExit(
        "Set CVSTUDIO_DB_URL in the hub's environment to the team's PostgreSQL, e.g. "
        "postgresql+psycopg://cvstudio:<password>@127.0.0.1:5432/cvstudio"
    )

# ---- the hub ---------------------------------------------------------------------------
c.JupyterHub.bind_url = "http://:8000"  # put TLS in front (nginx, caddy) or set ssl_cert/ssl_key
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"  # the hub's own state
c.JupyterHub.cookie_secret_file = "/srv/jupyterhub/jupyterhub_cookie_secret"
proxy = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
if proxy.exists():  # else configurable-http-proxy on PATH (`npm install -g`)
    c.ConfigurableHTTPProxy.command = [str(proxy)]

# ---- who logs in: the admin's choice -----------------------------------------------------
# PAM (JupyterHub's default): the machine's Unix accounts and passwords; only members of
# the team's group. Alternatives: NativeAuthenticator (`pip install
# jupyterhub-nativeauthenticator`, then authenticator_class = "native": sign-up with the
# admin's approval; the Unix accounts must still exist for the spawner below), or an
# OAuthenticator (GitHub, GitLab, an OIDC provider).
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {"cvstudio"}
c.Authenticator.admin_users = {"admin"}

# ---- every user's server -----------------------------------------------------------------
# The default LocalProcessSpawner: each user's server is a process of their Unix account,
# started from this environment (where CV Studio is installed), in their home directory.
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    # one database for the team: each user sees their own rows and what was shared with them
    "CVSTUDIO_DB_URL": DB_URL,
    # one data directory for the team: a run's files and a shared weight are read from it
    "CVSTUDIO_DATA_DIR": "/srv/cvstudio",
    # runs training at once on this machine, all users together (the rest wait in `queued`):
    # about one per GPU
    "CVSTUDIO_MAX_CONCURRENT_RUNS": "2",
    # where datasets may be registered: the user's home, and the team's folder, which every
    # server can read (a dataset shared from a home directory is readable only if that home is)
    "CVSTUDIO_DATASET_ROOTS": os.pathsep.join(["~", "/srv/datasets"]),
    "NO_ALBUMENTATIONS_UPDATE": "1",  # no look for a newer albumentations at every import
}

# Kernels idle for an hour are shut down, which frees the GPU memory an idle notebook holds
# (a kernel with a browser tab open is kept). Stopping idle servers too
# (jupyterhub-idle-culler) is possible, but a stopped server's queued runs wait for its
# user's next server (its running ones go on, and are followed again then).
c.Spawner.args = ["--MappingKernelManager.cull_idle_timeout=3600"]
