"""Every server test runs on SQLite and on a shared PostgreSQL, each in a database of its own."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def cv_db_url(request) -> str:
    return "" if request.param == "sqlite" else request.getfixturevalue("postgres").new_database()
