"""Which server works on which rows, when several servers share one database.

A place names one server's working home: its machine, its data directory and, under
JupyterHub, its user and server name. Only the server of a run's place starts and follows
it, and only the server of a dataset's place indexes it again after a restart: a team's
servers on one PostgreSQL never take over each other's work. Rows written before places
existed (NULL) are any server's, as they were when a database had one server.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import ColumnElement, or_


def this_host() -> str:
    """The machine, as a run's `host`: runs on one host share its GPUs and run slots."""
    return socket.gethostname()


def server_place(data_dir: Path, environ: Mapping[str, str] = os.environ) -> str:
    """Stable across restarts, so a restarted server takes up its own runs again."""
    user = environ.get("JUPYTERHUB_USER")
    hub = f"{user}/{environ.get('JUPYTERHUB_SERVER_NAME', '')}@" if user else ""
    return f"{hub}{this_host()}:{data_dir}"


def at(column, place: str) -> ColumnElement[bool]:
    """Rows of `place`, and those from before places."""
    return or_(column == place, column.is_(None))
