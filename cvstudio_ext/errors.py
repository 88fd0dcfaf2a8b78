"""Errors every layer may raise; handlers turn them into the API's error body.

They live outside the engine, services and handlers so all three can share them
without importing each other.
"""

from __future__ import annotations

from typing import Any


class StudioError(Exception):
    """A failure the caller can act on: it carries its HTTP status and a stable code."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []


class BadRequest(StudioError):
    status = 400
    code = "bad_request"


class Forbidden(StudioError):
    status = 403
    code = "forbidden"


class NotFound(StudioError):
    status = 404
    code = "not_found"


class Conflict(StudioError):
    status = 409
    code = "conflict"


class TooLarge(StudioError):
    status = 413
    code = "too_large"


class Unsupported(StudioError):
    status = 415
    code = "unsupported"


class Invalid(StudioError):
    status = 422
    code = "invalid"


class InsufficientStorage(StudioError):
    """The disk under the data directory is full: nothing was kept of what was being written."""

    status = 507
    code = "insufficient_storage"


class Unavailable(StudioError):
    status = 503
    code = "unavailable"
