"""The notebook side of CV Studio: a client of the server's public API, on which the
`Studio()` notebook API and its widgets are built."""

from .client import Client, ServerInfo, StudioAPIError, find_server

__all__ = ["Client", "ServerInfo", "StudioAPIError", "find_server"]
