"""Finding the Jupyter server a kernel belongs to, and calling CV Studio's API on it.

Only the public HTTP and WebSocket API is used, so whatever a notebook starts (a
training run, say) lives in the server and outlives the kernel. HTTP is the standard
library; sockets are websocket-client (blocking, so a kernel thread can follow them).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, BinaryIO


class StudioAPIError(Exception):
    """An error answer of the API, with its status, code, message and details."""

    def __init__(self, status: int, code: str, message: str, details: list[Any] | None = None):
        super().__init__(f"{message} ({status} {code})")
        self.status, self.code, self.message, self.details = status, code, message, details or []


@dataclass(frozen=True)
class ServerInfo:
    url: str  # with the base_url, ending in "/"
    token: str
    source: str  # how it was found, for error messages and repr


def _normalize(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def find_server(url: str | None = None, token: str | None = None) -> ServerInfo:
    """The server to talk to, in this order: the arguments; CVSTUDIO_SERVER_URL and
    CVSTUDIO_TOKEN; the running Jupyter server whose pid is this kernel's
    JPY_PARENT_PID; JupyterHub's JUPYTERHUB_SERVICE_URL with JUPYTERHUB_API_TOKEN."""
    if url:
        return ServerInfo(_normalize(url), token or os.environ.get("CVSTUDIO_TOKEN", ""), "arguments")
    env_url = os.environ.get("CVSTUDIO_SERVER_URL")
    if env_url:
        return ServerInfo(_normalize(env_url), token or os.environ.get("CVSTUDIO_TOKEN", ""), "CVSTUDIO_SERVER_URL")
    parent = os.environ.get("JPY_PARENT_PID")
    if parent and parent.isdigit():
        from jupyter_server.serverapp import list_running_servers

        for info in list_running_servers():
            if info.get("pid") == int(parent):
                return ServerInfo(_normalize(info["url"]), token or info.get("token", ""), "JPY_PARENT_PID")
    hub_url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    if hub_url:
        return ServerInfo(_normalize(hub_url), token or os.environ.get("JUPYTERHUB_API_TOKEN", ""), "JupyterHub")
    raise LookupError("No Jupyter server found: pass url= and token=, or set CVSTUDIO_SERVER_URL and CVSTUDIO_TOKEN.")


class Client:
    """JSON calls to `<server>/cvstudio/api/<path>` with the token in the header."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 60,
                 server: ServerInfo | None = None):  # fmt: skip
        self.server = server or find_server(url, token)
        self.timeout = timeout
        self._max_upload_size: int | None = None

    def __repr__(self) -> str:
        return f"Client({self.server.url!r}, found by {self.server.source})"

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        query = urllib.parse.urlencode({k: v for k, v in (params or {}).items() if v is not None})
        return f"{self.server.url}cvstudio/api/{path.lstrip('/')}" + (f"?{query}" if query else "")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.server.token}"} if self.server.token else {}

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        data: bytes | BinaryIO | None = None,
        content_type: str | None = None,
        length: int | None = None,
    ) -> Any:
        headers = {"Accept": "application/json", **self.headers()}
        if json_body is not None:
            data, content_type = json.dumps(json_body).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        if length is not None:
            headers["Content-Length"] = str(length)  # a file body is streamed, never read whole
        req = urllib.request.Request(self.url(path, params), data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                body = resp.read()
                if not body:
                    return None
                if resp.headers.get_content_type() == "application/json":
                    return json.loads(body)
                return body
        except urllib.error.HTTPError as exc:
            raise _api_error(exc) from None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self.request("POST", path, json_body=body if body is not None else {}, params=params)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json_body=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json_body=body)

    def delete(self, path: str, **params: Any) -> Any:
        return self.request("DELETE", path, params=params)

    def upload(self, path: str, file: BinaryIO, length: int, content_type: str, **params: Any) -> Any:
        """POST a file as the raw, streamed request body (the API's upload convention).

        A file over the server's limit is refused here, before a byte is sent: the server
        would refuse it too, and an HTTP client still sending a large body often sees the
        connection close instead of the answer."""
        limit = self.max_upload_size()
        if limit and length > limit:
            raise StudioAPIError(
                413,
                "upload_too_large",
                f"The file is {length} bytes and the server takes uploads of at most {limit} bytes; "
                "ask its admin to raise c.CVStudio.max_upload_size, or send a smaller file.",
            )
        return self.request("POST", path, params=params, data=file, content_type=content_type, length=length)

    def max_upload_size(self) -> int:
        """The server's upload limit from `health` (0 for a server that does not say)."""
        if self._max_upload_size is None:
            self._max_upload_size = int(self.get("health").get("max_upload_size") or 0)
        return self._max_upload_size

    def socket(self, path: str, **params: Any):
        """A connected WebSocket (websocket-client) to `<server>/cvstudio/api/<path>`."""
        import websocket

        url = self.url(path, params).replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return websocket.create_connection(url, header=self.headers(), timeout=self.timeout)


def _api_error(exc: urllib.error.HTTPError) -> StudioAPIError:
    raw = exc.read()
    try:
        error = json.loads(raw)["error"]
        return StudioAPIError(exc.code, error["code"], error["message"], error.get("details"))
    except (ValueError, KeyError, TypeError):
        return StudioAPIError(exc.code, "http_error", raw.decode(errors="replace")[:300] or exc.reason)
